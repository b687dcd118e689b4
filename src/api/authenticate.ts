import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TokenService } from '../auth/tokens.ts';
import { accessTo, owns, type Owner, type Principal, type Resource } from '../auth/principal.ts';
import { fieldError, forbidden, notFound, unauthorized } from './errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

/** Every route registered in this scope needs `Authorization: Bearer <token>`. */
export function registerAuthentication(app: FastifyInstance, tokens: TokenService): void {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (req) => {
    const header = req.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match?.[1]) throw unauthorized();
    const principal = await tokens.verify(match[1]);
    if (!principal) throw unauthorized('Invalid, expired or revoked token');
    req.principal = principal;
  });
}

export function principalOf(req: FastifyRequest): Principal {
  if (!req.principal) throw unauthorized();
  return req.principal;
}

/** The caller's principal, after checking its role may read (or write) this resource at all. */
export function authorize(req: FastifyRequest, resource: Resource, mode: 'read' | 'write'): Principal {
  const principal = principalOf(req);
  const access = accessTo(principal, resource);
  if (access === 'none' || (mode === 'write' && access !== 'write')) {
    throw forbidden(`role '${principal.role}' may not ${mode} ${resource}`);
  }
  return principal;
}

/** A row the caller may read, or 404 (never confirm another tenant's object exists). */
export function visibleOr404<T extends Owner>(principal: Principal, row: T | undefined, what: string): T {
  if (!row || !owns(principal, row)) throw notFound(what);
  return row;
}

/** A row the caller may change: 404 when it does not exist, 403 when it is another tenant's. */
export function writableOr403<T extends Owner>(principal: Principal, row: T | undefined, what: string): T {
  if (!row) throw notFound(what);
  if (!owns(principal, row)) throw forbidden(`${what} belongs to another tenant`);
  return row;
}

/**
 * The owner of an object the caller creates: non-admins default to their own ids and may not
 * name anyone else's; admins must say which reseller.
 */
export function ownerForCreate(
  principal: Principal,
  requested: { reseller_id?: string | null | undefined; merchant_id?: string | null | undefined },
  options: { merchantRequired?: boolean } = {},
): Owner {
  const resellerId = requested.reseller_id ?? principal.resellerId;
  if (!resellerId) throw fieldError(['body', 'reseller_id'], 'Field required', 'missing');
  const merchantId =
    requested.merchant_id !== undefined && requested.merchant_id !== null
      ? requested.merchant_id
      : principal.role === 'merchant'
        ? principal.merchantId
        : null;
  const owner: Owner = { reseller_id: resellerId, merchant_id: merchantId };
  if (!owns(principal, owner)) throw forbidden('cannot create objects outside your own scope');
  if (options.merchantRequired && !owner.merchant_id) throw forbidden('merchant_id is required');
  return owner;
}
