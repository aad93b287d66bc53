import { isIP } from 'node:net';

/** An IP allow-list entry read: an address, or a CIDR range (`bits` set). */
export interface IpRange {
  readonly address: string;
  readonly family: 4 | 6;
  readonly bits?: number;
}

/**
 * An allow-list entry (`10.0.0.1`, `10.0.0.0/8`, `2001:db8::/32`) read, or null when it is not one. A prefix must be
 * whole digits within the family's width: `10.9.9.9/` is no range (read as `/0` it would match every address), nor
 * `10.0.0.0/99`. Keys' `allowedIps` (the admin API), `TOLLGATE_ALLOWED_IPS` and `TOLLGATE_TRUSTED_PROXIES` read theirs so.
 */
export function parseIpRange(entry: string): IpRange | null {
  const [address = '', bits, extra] = entry.trim().split('/');
  const kind = isIP(address);
  if (kind === 0 || extra !== undefined) return null;
  const family = kind === 4 ? 4 : 6;
  if (bits === undefined) return { address, family };
  if (!/^\d{1,3}$/.test(bits) || Number(bits) > (family === 4 ? 32 : 128)) return null;
  return { address, family, bits: Number(bits) };
}
