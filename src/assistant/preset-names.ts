/** The presets `assistant.config.ts` defines, by name. */
export const PRESET_NAMES = ["scheduling", "dispatch", "support"] as const;
export type PresetName = (typeof PRESET_NAMES)[number];
