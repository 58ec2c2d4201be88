import { InvalidInputError } from "../core/errors.ts";

/** One turn of a LoCoMo conversation. */
export interface LocomoTurn {
  speaker: string;
  diaId: string;
  text: string;
  caption: string | null;
}

export interface LocomoSession {
  index: number;
  /** ISO time of the session, from its `session_N_date_time`, or null when absent or unreadable. */
  time: string | null;
  turns: LocomoTurn[];
}

export interface LocomoQuestion {
  question: string;
  category: number;
  evidence: string[];
}

export interface LocomoSample {
  id: string;
  speakers: string[];
  sessions: LocomoSession[];
  questions: LocomoQuestion[];
}

export const LOCOMO_CATEGORIES: Record<number, string> = {
  1: "multi-hop",
  2: "temporal",
  3: "open-domain",
  4: "single-hop",
  5: "adversarial",
};

const MONTHS = [
  "january",
  "february",
  "march",
  "april",
  "may",
  "june",
  "july",
  "august",
  "september",
  "october",
  "november",
  "december",
];

/** Parses LoCoMo's "1:56 pm on 8 May, 2023" (as UTC). */
export function parseLocomoTime(text: string): string | null {
  const match = /(\d{1,2}):(\d{2})\s*(am|pm)\s+on\s+(\d{1,2})\s+([A-Za-z]+),?\s+(\d{4})/i.exec(text);
  if (match === null) return null;
  const [, h, m, ampm, day, monthName, year] = match;
  const month = MONTHS.indexOf((monthName ?? "").toLowerCase());
  if (month < 0) return null;
  let hour = Number(h) % 12;
  if ((ampm ?? "").toLowerCase() === "pm") hour += 12;
  return new Date(Date.UTC(Number(year), month, Number(day), hour, Number(m))).toISOString();
}

/** Normalises an evidence id ("D30:05" → "D30:5"); splits lists such as "D8:6; D9:17". */
export function parseEvidence(values: unknown): string[] {
  const out: string[] = [];
  const list = Array.isArray(values) ? values : [values];
  for (const value of list) {
    if (typeof value !== "string") continue;
    for (const part of value.split(/[;,\s]+/)) {
      const match = /^D(\d+):(\d+)$/i.exec(part.trim());
      if (match !== null) out.push(`D${Number(match[1])}:${Number(match[2])}`);
    }
  }
  return [...new Set(out)];
}

/** Reads a LoCoMo-format document: a list of samples with `conversation` and `qa`. */
export function parseLocomo(data: unknown): LocomoSample[] {
  if (!Array.isArray(data)) throw new InvalidInputError("LoCoMo data: must be a JSON list of samples");
  return data.map((raw, i) => {
    if (raw === null || typeof raw !== "object")
      throw new InvalidInputError(`LoCoMo data: sample ${i}: must be an object`);
    const sample = raw as { sample_id?: unknown; conversation?: Record<string, unknown>; qa?: unknown };
    const conversation = sample.conversation;
    if (conversation === undefined || conversation === null || typeof conversation !== "object") {
      throw new InvalidInputError(`LoCoMo data: sample ${i}: conversation: required`);
    }
    const sessions: LocomoSession[] = [];
    for (const [key, value] of Object.entries(conversation)) {
      const match = /^session_(\d+)$/.exec(key);
      if (match === null || !Array.isArray(value)) continue;
      const index = Number(match[1]);
      const time = conversation[`session_${index}_date_time`];
      sessions.push({
        index,
        time: typeof time === "string" ? parseLocomoTime(time) : null,
        turns: value.flatMap((turn: Record<string, unknown>) => {
          if (typeof turn?.text !== "string" || typeof turn.dia_id !== "string") return [];
          return [
            {
              speaker: typeof turn.speaker === "string" ? turn.speaker : "unknown",
              diaId: parseEvidence(turn.dia_id)[0] ?? turn.dia_id,
              text: turn.text,
              caption: typeof turn.blip_caption === "string" ? turn.blip_caption : null,
            },
          ];
        }),
      });
    }
    sessions.sort((a, b) => a.index - b.index);
    const questions = (Array.isArray(sample.qa) ? sample.qa : []).flatMap((qa: Record<string, unknown>) => {
      if (typeof qa?.question !== "string") return [];
      const evidence = parseEvidence(qa.evidence);
      return evidence.length === 0
        ? []
        : [{ question: qa.question, category: Number(qa.category), evidence }];
    });
    const speakers = [conversation.speaker_a, conversation.speaker_b].filter(
      (s): s is string => typeof s === "string",
    );
    return {
      id: typeof sample.sample_id === "string" ? sample.sample_id : `sample-${i}`,
      speakers,
      sessions,
      questions,
    };
  });
}
