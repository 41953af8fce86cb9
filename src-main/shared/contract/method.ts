// How a method of the contract is declared, once: its argument schema (validated at the service
// boundary) and its result type side by side, with the JSDoc on the table entry. Every other view of a
// method (the callers' Promise API, the handlers the studio implements, the argument map the dispatcher
// checks) is derived from the table by the mapped types below, never written a second time.
import { z } from 'zod';

/** One method: the schema of its (single, possibly absent) argument; the result is a type only. */
export interface MethodSpec<A extends z.ZodType = z.ZodType, R = unknown> {
  readonly arg: A;
  /** Never set: carries the result type for the derived signatures. */
  readonly result?: R;
}

/** `takes(schema).returns<Result>()`: a method taking `schema`'s argument and answering `Result`. */
export function takes<A extends z.ZodType>(arg: A): { returns<R>(): MethodSpec<A, R> } {
  return { returns: <R>() => ({ arg }) as MethodSpec<A, R> };
}

/** The argument schema of methods without one. */
export const none = z.undefined();

/** A table of methods by name (one per domain; the contract's index joins them). */
export type MethodTable = Record<string, MethodSpec>;

type ResultOf<S> = S extends MethodSpec<z.ZodType, infer R> ? R : never;
type ArgIn<S extends MethodSpec> = z.input<S['arg']>;
type ArgOut<S extends MethodSpec> = z.output<S['arg']>;

/**
 * The caller's signature: no parameter when the schema takes none, an optional one when the schema
 * accepts undefined, else one required argument (the schema's input type, defaults still optional).
 */
export type CallerSignature<S extends MethodSpec> = [ArgIn<S>] extends [undefined]
  ? () => ResultOf<S>
  : undefined extends ArgIn<S>
    ? (arg?: ArgIn<S>) => ResultOf<S>
    : (arg: ArgIn<S>) => ResultOf<S>;

/** What a service implements for one method: the PARSED argument (defaults filled in), sync or async. */
export type HandlerSignature<S extends MethodSpec> = [ArgOut<S>] extends [undefined]
  ? () => ResultOf<S> | Promise<ResultOf<S>>
  : (arg: ArgOut<S>) => ResultOf<S> | Promise<ResultOf<S>>;

/** The plain signatures of a table (JSDoc follows each entry through the homomorphic mapping). */
export type Signatures<T extends MethodTable> = { [K in keyof T]: CallerSignature<T[K]> };
/** The Promise API a UI holds. */
export type PromiseApi<T extends MethodTable> = { [K in keyof T]: (...a: Parameters<CallerSignature<T[K]>>) => Promise<ResultOf<T[K]>> };
/** The handlers a service implements. */
export type Handlers<T extends MethodTable> = { [K in keyof T]: HandlerSignature<T[K]> };
/** The argument schema of each method. */
export type ArgSchemas<T extends MethodTable> = { [K in keyof T]: T[K]['arg'] };

/** The argument schemas of a table, for the dispatcher. */
export function argSchemas<T extends MethodTable>(table: T): ArgSchemas<T> {
  return Object.fromEntries(Object.entries(table).map(([name, spec]) => [name, spec.arg])) as ArgSchemas<T>;
}
