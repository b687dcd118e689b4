/**
 * Who is calling, and what they may touch (reference §3.3).
 *
 * Roles: admin (global) > reseller (its merchants) > merchant (its own objects) > user
 * (read-only on what its reseller / merchant owns). The role decides read or write per
 * resource; the ids decide whose data. Out of scope on read is a 404 (we do not confirm that
 * another tenant's object exists); out of scope on write is a 403.
 */
export const ROLES = ['admin', 'reseller', 'merchant', 'user'] as const;
export type Role = (typeof ROLES)[number];

export type Principal = {
  subject: string;
  role: Role;
  resellerId: string | null;
  merchantId: string | null;
  tokenKind: 'access' | 's2s';
};

export type Owner = { reseller_id: string; merchant_id: string | null };

export type Resource =
  | 'templates'
  | 'leads'
  | 'configs'
  | 'numbers'
  | 'merchants'
  | 'blacklist'
  | 'credentials'
  | 'tokens'
  | 'users';

type Access = 'write' | 'read' | 'none';

/** The reference's matrix; blacklist, credentials and users are not in it and are our choice (README). */
const ACCESS: Record<Resource, Record<Role, Access>> = {
  templates: { admin: 'write', reseller: 'write', merchant: 'write', user: 'read' },
  leads: { admin: 'write', reseller: 'write', merchant: 'write', user: 'read' },
  configs: { admin: 'write', reseller: 'write', merchant: 'read', user: 'none' },
  numbers: { admin: 'write', reseller: 'write', merchant: 'none', user: 'none' },
  merchants: { admin: 'write', reseller: 'write', merchant: 'none', user: 'none' },
  blacklist: { admin: 'write', reseller: 'write', merchant: 'read', user: 'none' },
  credentials: { admin: 'write', reseller: 'write', merchant: 'write', user: 'none' },
  tokens: { admin: 'write', reseller: 'write', merchant: 'none', user: 'none' },
  users: { admin: 'write', reseller: 'write', merchant: 'none', user: 'none' },
};

export function accessTo(principal: Principal, resource: Resource): Access {
  return ACCESS[resource][principal.role];
}

/** True when the object belongs to the caller's tenant (for reads and writes alike). */
export function owns(principal: Principal, owner: Owner): boolean {
  switch (principal.role) {
    case 'admin':
      return true;
    case 'reseller':
      return owner.reseller_id === principal.resellerId;
    case 'merchant':
      return owner.reseller_id === principal.resellerId && owner.merchant_id === principal.merchantId;
    case 'user':
      return (
        owner.reseller_id === principal.resellerId &&
        (principal.merchantId === null || owner.merchant_id === principal.merchantId)
      );
  }
}
