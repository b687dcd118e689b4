/**
 * The only errors that leave the process with their own status. Anything else thrown by a
 * handler is an internal fault: logged with the request id and answered with a generic 500.
 *
 * Bodies follow the reference platform (FastAPI): `{"detail": "..."}` for 4xx, and for 422 a
 * list of `{loc, msg, type}` naming each bad field.
 */
export type FieldIssue = { loc: (string | number)[]; msg: string; type: string };

export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly detail: string | FieldIssue[],
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof detail === 'string' ? detail : detail.map((d) => `${d.loc.join('.')}: ${d.msg}`).join('; '));
  }
}

export const badRequest = (detail: string) => new HttpError(400, detail);
export const unauthorized = (detail = 'Not authenticated') =>
  new HttpError(401, detail, { 'www-authenticate': 'Bearer' });
export const forbidden = (detail = 'Not allowed for this role or scope') => new HttpError(403, detail);
export const notFound = (what: string) => new HttpError(404, `${what} not found`);
export const conflict = (detail: string) => new HttpError(409, detail);
export const unprocessable = (issues: FieldIssue[]) => new HttpError(422, issues);
export const fieldError = (loc: (string | number)[], msg: string, type = 'value_error') =>
  unprocessable([{ loc, msg, type }]);

/** A zod error from a body checked inside a handler, as a 422 naming each field. */
export function fromZodError(error: { issues: { path: PropertyKey[]; message: string; code: string }[] }, prefix: (string | number)[] = ['body']) {
  return unprocessable(
    error.issues.map((i) => ({
      loc: [...prefix, ...i.path.map((p) => (typeof p === 'number' ? p : String(p)))],
      msg: i.message,
      type: i.code,
    })),
  );
}
