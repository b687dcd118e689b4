import type { z } from 'zod';

/** One problem with a document, located FastAPI-style so the API can put it in a 422 `detail`. */
export type ValidationIssue = { loc: (string | number)[]; msg: string; type: string };

export type Loc = ValidationIssue['loc'];

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/** `["flow","nodes",2,"functions",0,"transition_to"]` → `flow.nodes[2].functions[0].transition_to`. */
export function formatLoc(loc: Loc): string {
  let out = '';
  for (const part of loc) {
    if (typeof part === 'number') out += `[${part}]`;
    else if (IDENTIFIER.test(part)) out += out === '' ? part : `.${part}`;
    // Keys such as JSON Schema property names may hold spaces or dots; quote them so the path stays unambiguous.
    else out += `[${JSON.stringify(part)}]`;
  }
  return out;
}

export function issue(loc: Loc, type: string, msg: string): ValidationIssue {
  return { loc, type, msg };
}

function toLocPart(key: PropertyKey): string | number {
  return typeof key === 'symbol' ? String(key) : key;
}

/**
 * Maps zod issues to ValidationIssues. Parses must pass `reportInput: true` so a missing field
 * (input undefined) can be told apart from a wrong type. Custom issues carry their `type` in
 * `params.type`.
 */
export function fromZodIssues(issues: readonly z.core.$ZodIssue[], prefix: Loc = []): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  for (const zi of issues) {
    const loc = [...prefix, ...zi.path.map(toLocPart)];
    switch (zi.code) {
      case 'unrecognized_keys':
        // One issue per key, located at the key itself, so a typo points at the typo.
        for (const key of zi.keys) out.push(issue([...loc, key], 'unrecognized_key', `Unknown field "${key}"`));
        break;
      case 'invalid_type':
        // Keep a schema's own wording ("a context source needs …") but replace zod's generic one.
        if (zi.input === undefined) {
          out.push(issue(loc, 'missing', zi.message.startsWith('Invalid input') ? 'Field required' : zi.message));
        }
        else out.push(issue(loc, 'invalid_type', zi.message));
        break;
      case 'invalid_union':
        // A discriminator (`type`, `source`, `mode`) with an unknown value reads like a bad enum value.
        out.push(issue(loc, 'note' in zi && zi.note === 'No matching discriminator' ? 'invalid_value' : 'invalid_union', zi.message));
        break;
      case 'invalid_key': {
        const inner = zi.issues[0]?.message;
        out.push(issue(loc, 'invalid_key', inner ? `Invalid key: ${inner}` : zi.message));
        break;
      }
      case 'custom': {
        const type: unknown = zi.params?.['type'];
        out.push(issue(loc, typeof type === 'string' ? type : 'custom', zi.message));
        break;
      }
      default:
        out.push(issue(loc, zi.code, zi.message));
    }
  }
  return out;
}

/** Adds a typed custom issue to a zod refinement context. */
export function addIssue(ctx: z.RefinementCtx, path: Loc, type: string, message: string): void {
  ctx.addIssue({ code: 'custom', path, message, params: { type } });
}
