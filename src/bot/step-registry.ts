import { z } from 'zod';
import type { ChatState } from '../domain/conversation/repository.js';

/**
 * Every conversation step and the data it carries, as a zod schema per step name. Declared empty
 * here and filled in by src/bot/index.ts from each feature area's steps.ts (declaration merging):
 * nothing but src/bot/index.ts may import a feature (.dependency-cruiser.cjs), and the context
 * below it needs the names and data types to type `ctx.go` and `ctx.stepData`.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface StepSchemas {}

export type StepName = Extract<keyof StepSchemas, string>;

type Output<T> = T extends z.ZodTypeAny ? z.output<T> : never;
/** `{}` would accept any object: a step without data takes exactly `{}`. */
type NoExtra<T> = [keyof T] extends [never] ? Record<string, never> : T;

/** The data of step `S` (of any of them, for a union of steps). */
export type StepData<S extends StepName> = S extends StepName ? NoExtra<Output<StepSchemas[S]>> : never;

/** The data that may be written with step `S`: for a union of steps, data that fits every one. */
export type GoData<S extends StepName> = (S extends StepName ? (data: StepData<S>) => void : never) extends (data: infer D) => void ? D : never;

/** A step with its data, told apart by the step name. */
export type StepState = { [S in StepName]: { step: S; data: StepData<S> } }[StepName];

/** The chat's conversation state with its step and data checked against the step's schema. */
export type Session = Omit<ChatState, 'step' | 'data'> & StepState;

export type StepRenderer<Ctx> = (ctx: Ctx, opts: { fresh: boolean }) => Promise<void>;

export interface StepDefinition<Ctx> {
  schema: z.ZodTypeAny;
  /** Shows the step again (a typed answer where a button is expected, a stale button, a language change). */
  render: StepRenderer<Ctx>;
}

/** Where stored data failed its step's schema: paths and zod codes only, never the values. */
export interface StepIssue {
  path: string;
  code: string;
}

export type LoadedState = { ok: true; state: Session } | { ok: false; step: string; reason: 'unknown_step' | 'invalid_data'; issues: StepIssue[] };

/** The chat's state on the main menu (kept: the live menu message). */
export const menuState = (state: ChatState): Session => ({ menuMessageId: state.menuMessageId, menuPhoto: state.menuPhoto, step: 'menu', data: {} });

/**
 * The bot's steps: each name with its data schema and renderer. Built once per bot by createBot
 * (src/bot/index.ts) from the feature areas' definitions, and reached through the context.
 */
export class StepRegistry<Ctx> {
  private readonly steps: ReadonlyMap<string, StepDefinition<Ctx>>;

  constructor(definitions: { [S in StepName]: StepDefinition<Ctx> }) {
    this.steps = new Map(Object.entries(definitions));
  }

  renderer(step: StepName): StepRenderer<Ctx> {
    const found = this.steps.get(step);
    if (!found) throw new Error(`no renderer for step ${step}`);
    return found.render;
  }

  /** A stored state checked against its step's schema: the parsed state, or why it is stale. */
  load(state: ChatState): LoadedState {
    const found = this.steps.get(state.step);
    if (!found) return { ok: false, step: state.step, reason: 'unknown_step', issues: [] };
    const parsed = found.schema.safeParse(state.data);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.'), code: i.code }));
      return { ok: false, step: state.step, reason: 'invalid_data', issues };
    }
    // The schema is the step's own (looked up by its name), so the parsed data is that step's.
    const data: unknown = parsed.data;
    return { ok: true, state: { ...state, data } as Session };
  }
}

/** Database ids in step data. */
export const recordId = z.number().int().positive();

/** The data of a step that carries none. */
export const noData = z.object({});
