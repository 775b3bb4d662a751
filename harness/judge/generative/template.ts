/**
 * Templates with named slots, as Python's `str.format` fills them: `{name}` (a name is
 * an identifier) is a slot, everything else is literal text, byte for byte. Filling is
 * one pass: text inside a filled value is never substituted again.
 */

/** `{name}`: the only slot syntax. */
const SLOT = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** A text cut at its slots: `literals[i]`, `slots[i]`, ..., `literals[n]`. */
export interface SlotPlan {
  readonly literals: readonly string[];
  readonly slots: readonly string[];
}

export function planSlots(text: string): SlotPlan {
  // split with a capture group: literals at even indices, slot names at odd ones
  const pieces = text.split(SLOT);
  const literals: string[] = [];
  const slots: string[] = [];
  pieces.forEach((p, i) => (i % 2 === 0 ? literals.push(p) : slots.push(p)));
  return { literals, slots };
}

/** The distinct slot names of a text, in order of first appearance. */
export function slotNames(text: string): string[] {
  return [...new Set(planSlots(text).slots)];
}

/**
 * Fills the slots named in `values` and keeps the others as `{name}`: used once, to bind
 * constants (a rubric) into a template, and to write out a template's identity text.
 */
export function bindSlots(plan: SlotPlan, values: Readonly<Record<string, string>>): SlotPlan {
  const literals: string[] = [plan.literals[0]!];
  const slots: string[] = [];
  plan.slots.forEach((slot, i) => {
    const next = plan.literals[i + 1]!;
    if (Object.hasOwn(values, slot)) {
      literals[literals.length - 1] += values[slot]! + next;
    } else {
      slots.push(slot);
      literals.push(next);
    }
  });
  return { literals, slots };
}

/** The text of a plan with its remaining slots written as `{name}`. */
export function planText(plan: SlotPlan): string {
  let out = plan.literals[0]!;
  plan.slots.forEach((slot, i) => (out += `{${slot}}` + plan.literals[i + 1]!));
  return out;
}

/** Fills every slot; a slot without a value is an error (never an empty string by accident). */
export function fillSlots(plan: SlotPlan, values: Readonly<Record<string, string>>): string {
  let out = plan.literals[0]!;
  for (let i = 0; i < plan.slots.length; i++) {
    const value = values[plan.slots[i]!];
    if (value === undefined) throw new Error(`no value for the template slot {${plan.slots[i]}}`);
    out += value + plan.literals[i + 1]!;
  }
  return out;
}
