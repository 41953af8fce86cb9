// Form checks for numeric fields, in plain words next to the field. The limits mirror the request
// schemas in src-main/shared/contract/, which the services check again (the UI is only a guide).

export interface NumberSpec {
  label: string;
  min: number;
  max: number;
  integer?: boolean;
  /** The lower bound itself is not allowed (temperature > 0). */
  exclusiveMin?: boolean;
  /** Empty is allowed (the service picks a default). */
  optional?: boolean;
}

/** A form field: its limits, the one-line explanation shown under it, and the input's step. */
export interface FieldSpec extends NumberSpec {
  hint: string;
  step?: number;
}

/** Null when `value` is acceptable, otherwise one line saying what is wrong. */
export function checkNumber(value: number | null | undefined, spec: NumberSpec): string | null {
  if (value === null || value === undefined || Number.isNaN(value)) {
    return spec.optional ? null : `${spec.label} is required.`;
  }
  if (spec.integer && !Number.isInteger(value)) return `${spec.label} must be a whole number.`;
  if (spec.exclusiveMin ? value <= spec.min : value < spec.min) {
    return `${spec.label} must be ${spec.exclusiveMin ? 'more than' : 'at least'} ${spec.min}.`;
  }
  if (value > spec.max) return `${spec.label} must be at most ${spec.max}.`;
  return null;
}

/** Checks every field of a form; the result maps each field to its error (or null). */
export function checkAll<K extends string>(
  values: Record<K, number | null | undefined>,
  specs: Record<K, NumberSpec>,
): Record<K, string | null> {
  const out = {} as Record<K, string | null>;
  for (const key of Object.keys(specs) as K[]) out[key] = checkNumber(values[key], specs[key]);
  return out;
}

/** True when no field has an error. */
export function allValid(errors: Record<string, string | null>): boolean {
  return Object.values(errors).every((e) => e === null);
}

/** "mid", ".mid", " MID " → "mid"; null when it is not a usable extension. */
export function normalizeExt(raw: string): string | null {
  const ext = raw.trim().replace(/^\./, '').toLowerCase();
  return /^[a-z0-9_.-]{1,32}$/.test(ext) ? ext : null;
}
