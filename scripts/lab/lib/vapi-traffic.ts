/**
 * Server messages shaped like the ones Vapi sends mid-call, for the benchmark and tests: a
 * `tool-calls` message carries the whole conversation so far (`artifact.messages` and
 * `artifact.messagesOpenAIFormatted`), the assistant, the call, the phone number, the customer,
 * `toolWithToolCallList` and `toolCallList`, so it grows with every turn. Each message validates
 * against Vapi's published API definition (test/unit/vapi-traffic.test.ts checks it and prints the
 * sizes). The conversation is drawn from a seeded generator: the same options give the same bytes.
 */

type Json = Record<string, unknown>;

export interface ConversationOptions {
  /** Caller turns so far (a turn: the caller speaks, the assistant answers, every third turn with a tool call). */
  turns: number;
  callId?: string;
  caller?: string;
  /** The assistant the call runs (default: a representative one with seven function tools). */
  assistant?: Json;
  /** Epoch ms the call started (default: a fixed instant, so sizes are stable). */
  startedAt?: number;
  seed?: number;
  /** The server URL Vapi calls (appears in the assistant, the phone number and each tool). */
  serverUrl?: string;
}

export interface ToolInvocation {
  name: string;
  args: Record<string, unknown>;
  /** Default: a fresh id drawn from the seed and a counter. */
  id?: string;
}

const DEFAULT_START = Date.UTC(2026, 10, 25, 15, 0, 0);
const DEFAULT_SERVER = "https://switchboard.example.com/vapi/webhook";

/** A mid-call `tool-calls` message after `turns` turns, asking for `calls` (one by default). */
export function midCallToolCalls(options: ConversationOptions, calls: readonly ToolInvocation[]): Json {
  const c = conversation(options);
  const toolCallList = calls.map((t) => ({
    id: t.id ?? c.nextToolCallId(),
    type: "function",
    function: { name: t.name, arguments: JSON.stringify(t.args) },
  }));
  const tools = toolsOf(c.assistant);
  return {
    message: {
      timestamp: c.now,
      type: "tool-calls",
      toolCallList,
      toolWithToolCallList: toolCallList.map((toolCall) => ({
        ...(tools.get(toolCall.function.name) ?? { type: "function", function: { name: toolCall.function.name } }),
        toolCall,
      })),
      artifact: c.artifact,
      assistant: c.assistant,
      call: c.call,
      phoneNumber: c.phoneNumber,
      customer: c.customer,
    },
  };
}

/** A `status-update` (in-progress by default) carrying what Vapi attaches mid-call. */
export function statusUpdateMessage(options: ConversationOptions, status = "in-progress"): Json {
  const c = conversation(options);
  return {
    message: {
      timestamp: c.now,
      type: "status-update",
      status,
      artifact: c.artifact,
      assistant: c.assistant,
      call: c.call,
      phoneNumber: c.phoneNumber,
      customer: c.customer,
    },
  };
}

/** A `speech-update` (the caller started speaking), as sent several times a turn. */
export function speechUpdateMessage(options: ConversationOptions, role: "user" | "assistant" = "user", status = "started"): Json {
  const c = conversation(options);
  return {
    message: {
      timestamp: c.now,
      type: "speech-update",
      status,
      role,
      turn: options.turns,
      artifact: c.artifact,
      assistant: c.assistant,
      call: c.call,
      phoneNumber: c.phoneNumber,
      customer: c.customer,
    },
  };
}

/** The `end-of-call-report` of a call of `turns` turns: transcript, analysis, costs, recording. */
export function endOfCallReportMessage(options: ConversationOptions): Json {
  const c = conversation(options);
  const endedAt = new Date(c.now).toISOString();
  const artifact = {
    ...c.artifact,
    transcript: c.transcript,
    recording: {
      stereoUrl: `https://storage.vapi.ai/${c.call.id}-stereo.wav`,
      mono: { combinedUrl: `https://storage.vapi.ai/${c.call.id}-mono.wav` },
    },
  };
  return {
    message: {
      timestamp: c.now,
      type: "end-of-call-report",
      endedReason: "customer-ended-call",
      startedAt: new Date(c.startedAt).toISOString(),
      endedAt,
      cost: 0.0842,
      costs: [
        { type: "transcriber", transcriber: { provider: "deepgram", model: "nova-2" }, minutes: 3.1, cost: 0.0313 },
        { type: "vapi", subType: "normal", minutes: 3.1, cost: 0.031 },
      ],
      analysis: { summary: "The caller asked about a delayed parcel and booked a check-up for next week.", successEvaluation: "true" },
      artifact,
      assistant: c.assistant,
      call: { ...c.call, status: "ended", endedReason: "customer-ended-call", endedAt },
      phoneNumber: c.phoneNumber,
      customer: c.customer,
    },
  };
}

/** UTF-8 size of a message as sent. */
export const byteSize = (message: unknown) => Buffer.byteLength(JSON.stringify(message));

// --- the conversation ---------------------------------------------------------------------------

function conversation(options: ConversationOptions) {
  const random = mulberry32(options.seed ?? 20261125);
  const startedAt = options.startedAt ?? DEFAULT_START;
  const serverUrl = options.serverUrl ?? DEFAULT_SERVER;
  const id = (prefix: string, n = 24) => `${prefix}${Array.from({ length: n }, () => ALNUM[Math.floor(random() * ALNUM.length)]).join("")}`;
  const uuid = () => {
    const hex = () => "abcdef0123456789"[Math.floor(random() * 16)];
    // Groups open with a letter: no long digit runs, which a card-number scan would flag.
    const group = (n: number) => `a${Array.from({ length: n - 1 }, hex).join("")}`;
    return `${group(8)}-${group(4)}-${group(4)}-${group(4)}-${group(12)}`;
  };
  const caller = options.caller ?? "+15550142377";
  const assistant = options.assistant ?? defaultAssistant(serverUrl);
  const prompt = systemPromptOf(assistant);
  const orgId = uuid();
  const accountSid = id("AC", 32);
  const phoneNumberId = uuid();

  let seconds = 0.4;
  const messages: Json[] = [{ role: "system", message: prompt, time: startedAt, secondsFromStart: 0 }];
  const openAi: Json[] = [{ role: "system", content: prompt }];
  const transcript: string[] = [];
  const say = (role: "user" | "bot", text: string) => {
    const duration = 0.9 + text.length / 16;
    const time = startedAt + Math.round(seconds * 1000);
    messages.push({
      role,
      message: text,
      time,
      endTime: time + Math.round(duration * 1000),
      secondsFromStart: round(seconds),
      duration: Math.round(duration * 1000),
      ...(role === "bot" ? { source: "" } : {}),
    });
    openAi.push({ role: role === "bot" ? "assistant" : "user", content: text });
    transcript.push(`${role === "bot" ? "AI" : "User"}: ${text}`);
    seconds += duration + 0.6 + random();
  };
  let toolCalls = 0;
  const nextToolCallId = () => id("call_", 24) + String(toolCalls++);

  say("bot", FIRST_MESSAGE);
  for (let turn = 0; turn < options.turns; turn++) {
    say("user", pick(random, CALLER_LINES));
    if (turn % 3 === 2) {
      const [name, args, result] = pick(random, PAST_TOOL_CALLS);
      const toolCallId = nextToolCallId();
      const time = startedAt + Math.round(seconds * 1000);
      const call = { id: toolCallId, type: "function", function: { name, arguments: JSON.stringify(args) } };
      messages.push({ role: "tool_calls", toolCalls: [call], message: "", time, secondsFromStart: round(seconds) });
      messages.push({ role: "tool_call_result", toolCallId, name, result, time: time + 180, secondsFromStart: round(seconds + 0.18) });
      // OpenAI's format: the assistant turn that asked for the call, then the tool's answer.
      openAi.push({ role: "assistant", content: "" }, { role: "tool", content: result });
      seconds += 0.4;
    }
    say("bot", pick(random, ASSISTANT_LINES));
  }
  const now = startedAt + Math.round(seconds * 1000);
  const call = {
    id: options.callId ?? uuid(),
    orgId,
    createdAt: new Date(startedAt - 2_000).toISOString(),
    updatedAt: new Date(now).toISOString(),
    type: "inboundPhoneCall",
    status: "in-progress",
    phoneCallTransport: "pstn",
    transport: { provider: "twilio", conversationType: "voice", accountSid, callSid: id("CA", 32) },
    phoneNumberId,
    customer: { number: caller },
    startedAt: new Date(startedAt).toISOString(),
    monitor: {
      listenUrl: `wss://phone-call-websocket.aws-us-west-2-backend-production1.vapi.ai/${uuid()}/listen`,
      controlUrl: `https://phone-call-websocket.aws-us-west-2-backend-production1.vapi.ai/${uuid()}/control`,
    },
  };
  const phoneNumber = {
    provider: "twilio",
    number: "+15550109000",
    name: "Main line",
    twilioAccountSid: accountSid,
    twilioAuthToken: id("", 32),
    server: { url: serverUrl, timeoutSeconds: 20 },
  };
  return {
    now,
    startedAt,
    call,
    phoneNumber,
    customer: { number: caller },
    assistant,
    artifact: { messages, messagesOpenAIFormatted: openAi },
    transcript: transcript.join("\n"),
    nextToolCallId,
  };
}

const round = (n: number) => Math.round(n * 1000) / 1000;

function toolsOf(assistant: Json): Map<string, Json> {
  const tools = ((assistant.model as Json | undefined)?.tools ?? []) as Json[];
  return new Map(tools.flatMap((t) => ((t.function as Json | undefined)?.name ? [[String((t.function as Json).name), t]] : [])));
}

function systemPromptOf(assistant: Json): string {
  const messages = ((assistant.model as Json | undefined)?.messages ?? []) as Json[];
  return String(messages.find((m) => m.role === "system")?.content ?? SYSTEM_PROMPT);
}

function mulberry32(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(random: () => number, list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
const ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

const FIRST_MESSAGE = "Thanks for calling Northwind Logistics, this is Riley. How can I help you today?";

const CALLER_LINES = [
  "Hi, yes, I'm calling about a package that was supposed to arrive yesterday and it still hasn't shown up.",
  "The tracking number is one Z nine nine nine A A one zero one two three four five six seven eight four.",
  "Okay. Can you tell me when it's actually going to get here? I need it before the weekend.",
  "Um, I also wanted to book a time for someone to come look at the installation, if that's possible.",
  "Next Tuesday would be good, maybe in the morning? Anything before noon works for me.",
  "Yeah, that one works. The name is Dana Whitfield, W H I T F I E L D.",
  "Sorry, could you repeat that? The line cut out for a second.",
  "And how much do I still owe on my account? I thought I paid the last invoice.",
  "No, that's everything I think. Oh wait, can you text me the confirmation?",
  "Great, thank you so much, you've been really helpful.",
];

const ASSISTANT_LINES = [
  "I'm sorry to hear that. Let me look that up for you, one moment.",
  "Your package is in transit and currently in Louisville, Kentucky. It's expected on Thursday, November twenty-seventh.",
  "I can help with that. Which service would you like to book, and what day works best for you?",
  "I have Tuesday, December second at nine thirty in the morning, or ten o'clock. Which would you prefer?",
  "You're all set for Tuesday, December second at nine thirty. Your confirmation code is K 7 P 4 Q 2.",
  "Of course. I said your parcel is expected on Thursday, and it's currently in Louisville.",
  "Your current balance is forty-two dollars and fifty cents, due on December first.",
  "I've sent a text with the details to the number you're calling from. Is there anything else I can help with?",
  "You're welcome! Have a great day.",
];

const PAST_TOOL_CALLS: readonly [string, Record<string, unknown>, string][] = [
  [
    "get_shipment_status",
    { trackingNumber: "1Z999AA10123456784" },
    '{"status":"in transit","location":"Louisville, KY","expected":"Thursday, November 27","delay":"weather at the hub"}',
  ],
  [
    "check_availability",
    { service: "installation check" },
    '{"slots":[{"id":"a1b2c3d4-0000-4000-8000-00000000a001","time":"Tuesday, December 2 at 9:30 AM"},{"id":"a1b2c3d4-0000-4000-8000-00000000a002","time":"Tuesday, December 2 at 10:00 AM"}]}',
  ],
  ["get_account_balance", {}, '{"balance":"$42.50","due":"December 1"}'],
  ["get_business_hours", {}, '{"open":true,"today":"8 AM to 6 PM","closesIn":"2 hours"}'],
];

const SYSTEM_PROMPT = [
  "You are Riley, the phone assistant of Northwind Logistics. You help callers track parcels, book, move and cancel service appointments, check their account balance and pay by a link sent by text.",
  "Speak in short, friendly sentences. Never read out long numbers digit by digit unless the caller asks. Say dates and times the way people say them.",
  "Always use the tools for facts: never guess a delivery date, a slot or a balance. If a tool fails, apologize briefly and offer to try again or to transfer the caller to a person.",
  "Before booking, confirm the service, the day and time and the caller's name. Never ask for card numbers on the phone: offer to text a secure payment link instead.",
  "If the caller is upset, acknowledge it first. If the caller asks for a person, transfer them. Business hours are Monday to Friday 8 AM to 6 PM and Saturday 9 AM to 1 PM, Eastern time.",
  "Callers you know: greet them by name when the profile gives one. Do not repeat information the caller already gave in this call.",
].join("\n\n");

function functionTool(serverUrl: string, name: string, description: string, properties: Json, required: string[]): Json {
  return {
    type: "function",
    async: false,
    messages: [
      { type: "request-start", content: "One moment while I check that.", blocking: false },
      { type: "request-response-delayed", content: "Still checking, thanks for waiting.", timingMilliseconds: 2000 },
      { type: "request-failed", content: "I couldn't reach that system just now." },
    ],
    function: { name, description, strict: true, parameters: { type: "object", properties, required } },
    server: { url: serverUrl, timeoutSeconds: 20 },
  };
}

function defaultAssistant(serverUrl: string): Json {
  const str = (description: string) => ({ type: "string", description });
  return {
    name: "Northwind Dispatch",
    firstMessage: FIRST_MESSAGE,
    firstMessageMode: "assistant-speaks-first",
    maxDurationSeconds: 900,
    backgroundSound: "off",
    transcriber: { provider: "deepgram", model: "nova-2", language: "en" },
    voice: { provider: "11labs", voiceId: "burt" },
    model: {
      provider: "openai",
      model: "gpt-4o",
      temperature: 0.3,
      maxTokens: 250,
      messages: [{ role: "system", content: SYSTEM_PROMPT }],
      tools: [
        functionTool(
          serverUrl,
          "get_shipment_status",
          "Where a parcel is and when it arrives, by tracking number.",
          { trackingNumber: str("The tracking number the caller reads out, without spaces.") },
          ["trackingNumber"],
        ),
        functionTool(
          serverUrl,
          "check_availability",
          "The next open appointment slots of a service.",
          { service: str("The service the caller wants, in their words.") },
          ["service"],
        ),
        functionTool(
          serverUrl,
          "book_appointment",
          "Books an open slot for the caller's own number; returns a confirmation code.",
          {
            slotId: str("The id of a slot from check_availability."),
            customerName: str("The caller's name as they spelled it."),
            notes: str("Anything the technician should know."),
          },
          ["slotId", "customerName"],
        ),
        functionTool(serverUrl, "list_my_appointments", "The caller's upcoming appointments.", {}, []),
        functionTool(
          serverUrl,
          "cancel_appointment",
          "Cancels one of the caller's appointments by confirmation code.",
          { confirmationCode: str("The six-character confirmation code.") },
          ["confirmationCode"],
        ),
        functionTool(serverUrl, "get_account_balance", "The caller's account balance and due date.", {}, []),
        functionTool(
          serverUrl,
          "send_payment_link",
          "Texts the caller a secure link to pay their balance.",
          { amount: { type: "number", description: "The amount in dollars, if not the whole balance." } },
          [],
        ),
      ],
    },
    server: { url: serverUrl, timeoutSeconds: 20 },
    serverMessages: ["tool-calls", "status-update", "end-of-call-report", "transfer-destination-request", "speech-update"],
    endCallPhrases: ["goodbye", "have a great day"],
    metadata: { preset: "dispatch" },
  };
}
