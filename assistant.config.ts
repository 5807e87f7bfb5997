/**
 * The assistant Switchboard serves on every inbound call: voice, turn-taking, prompts, opening
 * hours and the rules for handing a call to a person. This is the file to edit for your business.
 *
 * Latency is won or lost here. A voice turn has about 500 ms before a pause feels awkward:
 * endpointing (deciding the caller has finished) is the largest, most tunable slice, then the
 * model's first token, then the voice's first audio. The presets below trade that budget
 * differently per use case; pick one with ASSISTANT_PRESET, per phone number with
 * `presetByPhoneNumberId`, or preview any with `GET /vapi/assistant?preset=dispatch`.
 *
 * Field names are Vapi's (`@vapi-ai/server-sdk` types): the typecheck catches a wrong one.
 */
import type { Vapi } from "@vapi-ai/server-sdk";
import { z } from "zod";
import { defineAssistantConfig, type Preset } from "./src/assistant/define.ts";

/** Vapi's own voice: the fallback when ElevenLabs does not answer, so the call never goes mute. */
const fallbackVoice: Vapi.FallbackPlan = { voices: [{ provider: "vapi", voiceId: "Elliot" }] };

/** A second transcriber used only if Deepgram fails mid-call. */
const fallbackTranscriber: Vapi.FallbackTranscriberPlan = { transcribers: [{ provider: "assembly-ai", language: "en" }] };

/** Words a listener says while the assistant talks that should not count as an interruption. */
const backchannels = ["okay", "uh-huh", "mm-hmm", "yeah", "right", "got it", "sure"];

/**
 * Drivers and dispatchers: short, known requests ("where is load 4411?"), callers in a hurry,
 * often in a cab. Aggressive endpointing (~300 ms of silence ends the turn), instant barge-in,
 * the fastest model (Groq; Vapi offers model fallbacks only for OpenAI models, so this preset
 * trades that safety net for speed), strong noise suppression, short calls.
 */
const dispatch: Preset = {
  description: "Aggressive turn-taking (~300 ms), instant barge-in, fastest model, road-noise suppression.",
  transcriber: {
    provider: "deepgram",
    model: "nova-3",
    language: "en",
    numerals: true, // "load four four one one" arrives as 4411
    endpointing: 10, // Deepgram's latency-first default; Vapi's plan below decides the turn
    fallbackPlan: fallbackTranscriber,
  },
  model: { provider: "groq", model: "llama-3.3-70b-versatile", temperature: 0.2, maxTokens: 120 },
  voice: {
    provider: "11labs",
    voiceId: "burt",
    model: "eleven_flash_v2_5",
    optimizeStreamingLatency: 4,
    fallbackPlan: fallbackVoice,
  },
  startSpeakingPlan: {
    waitSeconds: 0.2,
    transcriptionEndpointingPlan: { onPunctuationSeconds: 0.1, onNoPunctuationSeconds: 0.3, onNumberSeconds: 0.5 },
  },
  stopSpeakingPlan: { numWords: 0, voiceSeconds: 0.2, backoffSeconds: 0.8 },
  backgroundSpeechDenoisingPlan: { smartDenoisingPlan: { enabled: true } },
  backgroundSound: "off",
  silenceTimeoutSeconds: 15,
  idleNudge: { afterSeconds: 6, message: "Are you still there?" },
  maxDurationSeconds: 300,
  artifactPlan: { recordingEnabled: true, transcriptPlan: { enabled: true } },
  style: "Callers are busy drivers and dispatchers: answer in one short sentence, lead with the fact they asked for.",
};

/**
 * Booking and rescheduling: callers think aloud, read dates and times, spell names. Conservative
 * endpointing (~800 ms, longer after digits) so "Tuesday... at, um, three" is one turn; barge-in
 * ignores backchannels so a list of slots is not cut off by "uh-huh"; a model with a fallback.
 */
const scheduling: Preset = {
  description: "Conservative turn-taking (~800 ms, more after numbers), backchannel-tolerant barge-in, model with fallback.",
  transcriber: {
    provider: "deepgram",
    model: "nova-3",
    language: "en",
    numerals: true,
    endpointing: 300, // fewer dropped one-word answers ("yes", "Tuesday")
    keyterm: ["reschedule", "appointment", "cancel"],
    fallbackPlan: fallbackTranscriber,
  },
  model: { provider: "openai", model: "gpt-4.1-mini", fallbackModels: ["gpt-4o-mini"], temperature: 0.3, maxTokens: 200 },
  voice: {
    provider: "11labs",
    voiceId: "sarah",
    model: "eleven_flash_v2_5",
    optimizeStreamingLatency: 3,
    fallbackPlan: fallbackVoice,
  },
  startSpeakingPlan: {
    waitSeconds: 0.6,
    transcriptionEndpointingPlan: { onPunctuationSeconds: 0.3, onNoPunctuationSeconds: 0.8, onNumberSeconds: 1.2 },
  },
  // Each turn's wait decided by `endpointing.rules` below (the plan above when none matches), never
  // under 0.3 s nor over 2 s: a quick "yes" ends the turn at once, a date or a name read out does not.
  adaptiveEndpointing: { floorSeconds: 0.3, ceilingSeconds: 2 },
  stopSpeakingPlan: { numWords: 1, voiceSeconds: 0.3, backoffSeconds: 1, acknowledgementPhrases: backchannels },
  backgroundSpeechDenoisingPlan: { smartDenoisingPlan: { enabled: true } },
  backgroundSound: "off",
  silenceTimeoutSeconds: 30,
  idleNudge: { afterSeconds: 8, message: "Take your time. Are you still there?" },
  maxDurationSeconds: 600,
  artifactPlan: { recordingEnabled: true, transcriptPlan: { enabled: true } },
  style: "Confirm dates, times and names back to the caller before booking. Offer at most three options at a time.",
};

/**
 * Billing and account questions: callers explain problems in long sentences and dictate account
 * numbers. Smart (model-based) endpointing to avoid cutting in mid-thought, longer waits after
 * digits, barge-in that needs two words, a longer call limit.
 */
const support: Preset = {
  description: "Smart endpointing with conservative waits, two-word barge-in, model with fallback, longer calls.",
  transcriber: {
    provider: "deepgram",
    model: "nova-3",
    language: "en",
    numerals: true,
    endpointing: 300,
    fallbackPlan: fallbackTranscriber,
  },
  model: { provider: "openai", model: "gpt-4.1-mini", fallbackModels: ["gpt-4o-mini"], temperature: 0.3, maxTokens: 250 },
  voice: {
    provider: "11labs",
    voiceId: "sarah",
    model: "eleven_flash_v2_5",
    optimizeStreamingLatency: 3,
    fallbackPlan: fallbackVoice,
  },
  startSpeakingPlan: {
    waitSeconds: 0.5,
    smartEndpointingPlan: { provider: "livekit" },
    transcriptionEndpointingPlan: { onPunctuationSeconds: 0.3, onNoPunctuationSeconds: 0.8, onNumberSeconds: 1.0 },
  },
  stopSpeakingPlan: {
    numWords: 2,
    voiceSeconds: 0.3,
    backoffSeconds: 1.2,
    acknowledgementPhrases: backchannels,
    interruptionPhrases: ["stop", "wait", "hold on", "no"],
  },
  backgroundSpeechDenoisingPlan: { smartDenoisingPlan: { enabled: true } },
  backgroundSound: "office",
  silenceTimeoutSeconds: 45,
  idleNudge: { afterSeconds: 10, message: "I'm still here whenever you're ready." },
  maxDurationSeconds: 1200,
  artifactPlan: { recordingEnabled: true, transcriptPlan: { enabled: true } },
  style: "Acknowledge the problem in a few words, then solve it step by step. Never read out more than the last four digits of a number.",
};

/**
 * Callers put straight through to a person (the `vip-callers` rule below) and never turned away
 * by the spam rules. E.164 numbers; empty: the rule never matches.
 */
const vipCallers: string[] = [];

/** "Acme Co." must not become "Acme Co.." at the end of a sentence. */
const endSentence = (text: string) => (/[.!?]$/.test(text) ? text : `${text}.`);
/** "Jordan" of "Jordan Rivera"; a name after a title stays whole ("Dr. Patel"). */
const firstName = (name: string) => (/^(mr|mrs|ms|miss|dr|prof)\.?\s/i.test(name) ? name : (name.trim().split(/\s+/)[0] ?? name));

export default defineAssistantConfig({
  name: "Switchboard",
  defaultPreset: "support",
  presets: { scheduling, dispatch, support },
  // presetByPhoneNumberId: { "<vapi phone number id>": "dispatch" },

  // Callers are greeted by first name ("Hi Jordan"), as a receptionist would.
  firstMessage: ({ businessName, callerName }) =>
    `${callerName ? `Hi ${firstName(callerName)}, thanks` : "Thanks"} for calling ${endSentence(businessName)} How can I help?`,

  systemPrompt: ({ businessName, timeZone, style, callerContext }) =>
    [
      `You are the phone assistant of ${endSentence(businessName)} This is a phone call: be brief, warm and plain-spoken; no lists, no markdown.`,
      style,
      "Use the tools for anything about the caller's shipments, appointments or account; never invent data or promise what a tool did not confirm.",
      "Never ask for, repeat or write down card numbers; to take a payment, text the caller a payment link with send_payment_link.",
      "If a tool returns an error, say what it means in one sentence and offer what it suggests.",
      "When the caller asks for a person, or you cannot help, say which team you are connecting them to (billing, dispatch or support) and call transferCall.",
      `The business is in the ${timeZone} time zone; say times in that zone.`,
      callerContext ? `What we know about this caller: ${callerContext}` : "",
    ]
      .filter(Boolean)
      .join("\n"),

  /** Opening hours (24 h, business time zone). Used by get_business_hours and the handoff rules. */
  businessHours: {
    Monday: { open: "08:00", close: "18:00" },
    Tuesday: { open: "08:00", close: "18:00" },
    Wednesday: { open: "08:00", close: "18:00" },
    Thursday: { open: "08:00", close: "18:00" },
    Friday: { open: "08:00", close: "17:00" },
    Saturday: { open: "09:00", close: "13:00" },
  },

  /**
   * Handing the call to a person. Rules are tried in order; set `destination` to a department's
   * own number or SIP URI (omitted: TRANSFER_NUMBER). `hours: "business"` rules are closed
   * outside `businessHours`; the caller then goes to `afterHoursDestination`, or hears `closedMessage`.
   */
  handoff: {
    rules: [
      {
        department: "billing",
        keywords: ["bill", "billing", "invoice", "payment", "refund", "charge", "balance"],
        hours: "business",
        message: "I'm connecting you with our billing team now.",
      },
      {
        department: "dispatch",
        keywords: ["driver", "dispatch", "pickup", "delivery", "truck", "load"],
        hours: "always",
        message: "I'm putting you through to dispatch.",
      },
      {
        department: "support",
        reasons: ["tool-failures"],
        hours: "always",
        message: "Sorry about the trouble. I'm connecting you with a member of our team.",
      },
    ],
    closedMessage: "Our team is available during business hours. Please call back then, or I can try to help you myself.",
    // Heard when the rule has no destination and TRANSFER_NUMBER is not set: true at any hour.
    unavailableMessage: "I'm sorry, I can't connect you with a person from this line, but I'm happy to keep helping you myself.",
  },

  /**
   * Adaptive endpointing, for presets with `adaptiveEndpointing`: how long the caller's silence
   * must last before their turn ends, decided turn by turn. The first rule whose patterns match
   * the caller's words so far (`caller`) and the assistant's last words (`assistant`) decides;
   * none: the preset's `transcriptionEndpointingPlan`. Patterns see at most the last 300 characters.
   */
  endpointing: {
    rules: [
      // A complete short answer to a yes/no or either-or question (not one asking for a number, an address
      // or a spelling, where "sure" comes before the real answer): answer at once.
      {
        name: "complete-answer",
        assistant:
          /(?:(?:^|[.!?]\s+)(?:do|does|did|is|are|was|were|can|could|would|will|shall|should|have|has)\b[^.!?]*|\bor\b[^.!?]*)\?\s*$/i,
        notAssistant: /\b(?:spell|number|address)\b/i,
        caller:
          /^(?:yes|yeah|yep|no|nope|sure|okay|ok|correct|right|that's right|exactly|the (?:first|second|third|last)(?: one)?|(?:mon|tues|wednes|thurs|fri|satur|sun)day|morning|afternoon|evening)(?:,? (?:please|thanks|thank you))?[.!]?$/i,
        seconds: "floor",
      },
      // Reading something out: digits or number words last ("4 4 1 1", "four one"), letters spelled out ("J O R").
      // A full stop may follow: speech-to-text punctuates the pause between digit groups.
      { name: "reading-digits", caller: /(?:\d|\b(?:zero|oh|one|two|three|four|five|six|seven|eight|nine))[\s,.-]*$/i, seconds: 1.6 },
      { name: "spelling", caller: /(?:^|\s)(?:[a-z][\s.,-]{1,3}){2,}[a-z][.,-]?$/i, seconds: 1.6 },
      // A house number and a street name without its end yet ("221 Baker").
      { name: "reading-address", caller: /\b\d{1,6}\s+[a-z]+(?:\s+[a-z]+)?$/i, seconds: 1.4 },
      // The sentence is plainly not over.
      {
        name: "trailing-conjunction",
        caller: /\b(?:and|or|but|so|because|then|plus|with|at|to|on|the|it's|is)[\s,]*$/i,
        seconds: "ceiling",
      },
      { name: "filler", caller: /\b(?:um+|uh+|er+m?|hmm+|like|you know|let me see|let me check)[\s,.]*$/i, seconds: "ceiling" },
      // Just asked to read out or spell something: callers pause to find a number or to start.
      { name: "asked-to-spell", assistant: /\bspell\b/i, seconds: 1.5 },
      { name: "asked-for-number", assistant: /\b(?:number|digits|zip|postcode|code|tracking|account)\b/i, seconds: 1.2 },
      { name: "asked-for-address", assistant: /\baddress\b/i, seconds: 1.4 },
    ],
  },

  /**
   * Experiments: calls routed to `control` are split with `treatment` by `treatmentPercent`, sticky
   * per caller (a hash of their number). `npm run latency` compares the arms: turn latency,
   * interruptions, call duration, transfers, and says when a difference is not yet significant.
   */
  // experiments: [{ name: "adaptive-endpointing", control: "dispatch", treatment: "scheduling", treatmentPercent: 50 }],

  /**
   * Squads: specialised assistants that hand the caller to each other (served by a routing rule
   * below; `npm run vapi -- apply --squad frontDesk` stores one in Vapi). The first member answers.
   * A handoff asks this server, which picks the member by the desk the model named, the call's
   * state (`ctx.callState.set("handoff", { department: "billing" })` from a tool), or the caller's
   * words (`keywords`), and says what was said to the next member. See docs/assistant.md.
   */
  squads: {
    frontDesk: {
      description: "Reception answers and routes; scheduling books appointments; billing handles balances and payment links.",
      members: [
        {
          name: "reception",
          description: "general questions, shipments and opening hours",
          preset: "support",
          tools: ["get_business_hours", "get_shipment_status"],
          instructions:
            "Greet the caller, answer general questions and shipment questions with your tools, and hand the caller to the desk that handles anything else.",
          // Repeated tool failures bring the caller back here, where a transfer to a person is offered.
          reasons: ["tool-failures"],
        },
        {
          name: "scheduling",
          description: "booking, moving and cancelling appointments",
          preset: "scheduling",
          tools: ["check_availability", "book_appointment", "reschedule_appointment", "cancel_appointment", "list_my_appointments"],
          instructions: "Book, move or cancel the caller's appointments. Confirm the date, time and name before booking.",
          keywords: ["appointment", "appointments", "book", "booking", "reschedule", "cancel", "slot"],
        },
        {
          name: "billing",
          description: "balances, invoices and payment links, during business hours",
          preset: "support",
          tools: ["get_account_balance", "send_payment_link"],
          instructions:
            "Tell the caller what they owe and text them a payment link when they want to pay. Never take card numbers by phone.",
          keywords: ["bill", "billing", "invoice", "payment", "balance", "pay"],
          // Billing questions often end with a person on the billing team, who works business hours.
          hours: "business",
          afterHours: "reception",
        },
      ],
      closedMessage: "That desk is closed now. Tell the caller our business hours, and offer to help with anything else.",
      unclearMessage:
        "It is not clear which desk the caller needs. Ask them whether it is about appointments or billing, then hand off again.",
    },
  },

  /**
   * Screening at assistant-request, before any AI answers. Numbers on the blocklist
   * (`/api/blocklist`) always hear `blockedMessage`; each spam rule is on when present.
   */
  screening: {
    blockedMessage: "Sorry, calls from this number can't be taken on this line. Goodbye.",
    // A caller ID no phone can have is a spoofed robocall.
    rejectInvalid: { message: "Sorry, we can't take calls from this number. Goodbye." },
    // rejectWithheld: { message: "We don't take calls from withheld numbers. Please call again with your number shown. Goodbye." },
    // rateLimit: { maxCalls: 5, windowSeconds: 600, message: "We've had several calls from this number just now. Please try again later. Goodbye." },
    trustedCallers: vipCallers,
  },

  /**
   * Routing after screening: the first rule whose conditions hold decides; none: the preset by
   * phone number, ASSISTANT_PRESET or `defaultPreset`. `forward` skips the AI (without `to`:
   * TRANSFER_NUMBER); `serve` picks a preset or a squad.
   */
  /**
   * What Vapi extracts from every call once it ends (its structured outputs; they replace the
   * deprecated analysisPlan): stored with the call record, redacted, and searchable over the REST
   * API, e.g. `GET /api/calls?output.followUpNeeded=true`. Every assistant and squad member
   * extracts all of them; `npm run vapi -- apply` stores them in Vapi. See docs/structured-outputs.md.
   */
  structuredOutputs: {
    summary: {
      description: "A short summary of the call for the team and for the next call with this caller.",
      schema: z.string().describe("Two or three sentences: who called, what they wanted, what was done. No card or account numbers."),
      summary: true,
    },
    intent: {
      description: "Why the caller called.",
      schema: z
        .enum(["shipment", "appointment", "billing", "hours", "other"])
        .describe("The caller's main reason: shipment status, an appointment, a bill or payment, opening hours, or something else."),
    },
    outcome: {
      description: "How the call ended for the caller.",
      schema: z
        .enum(["resolved", "transferred", "callback", "unresolved"])
        .describe("resolved on the call, transferred to a person, a callback promised, or left unresolved."),
    },
    followUpNeeded: {
      description: "Whether someone at the business must act on this call after it ended (call back, fix something, send something).",
      schema: z.boolean(),
    },
    sentiment: {
      description: "How the caller felt by the end of the call.",
      schema: z.enum(["positive", "neutral", "negative"]),
    },
  },

  routing: [
    { name: "vip-callers", when: { callers: vipCallers }, forward: { message: "Putting you straight through to our team." } },
    // { name: "after-hours-on-call", when: { hours: "closed" }, forward: { to: "+15550100999", message: "We're closed, so I'm connecting you to the on-call line." } },
    // Replace with your Vapi phone number id; the simulator's squad-handoff scenario calls on this one.
    { name: "front-desk-line", when: { phoneNumberIds: ["demo-front-desk"] }, serve: { squad: "frontDesk" } },
  ],

  /**
   * Outbound campaigns: `campaign.predial` dials a contact only inside these hours and days in the
   * callee's own time zone (every zone of the country when the number cannot say which), never a
   * number on the do-not-call list (`/api/do-not-call`, or the callee's "stop calling me"), and at
   * most `maxAttemptsPerDay` times in 24 hours. See docs/campaigns.md.
   */
  campaigns: {
    callingHours: { start: "09:00", end: "20:00" },
    callingDays: ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"],
    maxAttemptsPerDay: 2,
  },
});
