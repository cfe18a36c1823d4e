import { z } from 'zod';
import { sha256Hex } from '../shared/hashing';

export const QUESTION_SOURCES = ['openai', 'facts'] as const;

export const questionSchema = z.strictObject({
  prompt: z.string().trim().min(8).max(300),
  choices: z.array(z.string().trim().min(1).max(120)).min(2).max(6),
  answerIndex: z.int().min(0),
  explanation: z.string().trim().max(500),
  difficulty: z.enum(['easy', 'medium', 'hard']),
  source: z.enum(QUESTION_SOURCES),
  model: z.string().min(1).max(100),
});
export type Question = z.output<typeof questionSchema>;

/** Case, accents, punctuation and spacing do not make a question different. */
export function normalizeQuestionText(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[\p{P}\p{Sm}\p{Sc}\p{Sk}]/gu, ' ') // keeps emoji (flags are questions too)
    .replace(/\s+/g, ' ')
    .trim();
}

/** Same normalized text, same id: a replayed write is the same write and exact duplicates cannot exist. */
export function questionIdOf(prompt: string): string {
  return sha256Hex(normalizeQuestionText(prompt)).slice(0, 32);
}
