import { isIP } from 'node:net';

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((acc, part) => (acc << 8) + Number(part), 0) >>> 0;
}

function inV4(ip: number, base: string, bits: number): boolean {
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return (ip & mask) === (ipv4ToInt(base) & mask);
}

const V4_BLOCKED: Array<[string, number, string]> = [
  ['0.0.0.0', 8, 'unspecified'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'carrier-grade NAT'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local / cloud metadata'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'IETF protocol assignments'],
  ['192.0.2.0', 24, 'documentation (TEST-NET-1)'],
  ['198.51.100.0', 24, 'documentation (TEST-NET-2)'],
  ['203.0.113.0', 24, 'documentation (TEST-NET-3)'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];

function expandV6(ip: string): number[] | null {
  let addr = ip.toLowerCase();
  const zone = addr.indexOf('%');
  if (zone >= 0) addr = addr.slice(0, zone);
  // Embedded IPv4 tail (::ffff:1.2.3.4)
  const v4 = addr.match(/(\d+\.\d+\.\d+\.\d+)$/);
  if (v4) {
    const n = ipv4ToInt(v4[1]);
    addr = addr.slice(0, -v4[1].length) + ((n >>> 16) & 0xffff).toString(16) + ':' + (n & 0xffff).toString(16);
  }
  const [head, tail] = addr.split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined ? (tail ? tail.split(':') : []) : [];
  if (tail === undefined && h.length !== 8) return null;
  const fill = 8 - h.length - t.length;
  if (fill < 0) return null;
  return [...h, ...Array(tail === undefined ? 0 : fill).fill('0'), ...t].map((g) => parseInt(g || '0', 16));
}

/**
 * Why an address may not be reached by default, or null when it is public.
 * Covers loopback, private, link-local (incl. the 169.254.169.254 metadata service),
 * CGNAT, multicast, reserved ranges, and the IPv6 equivalents incl. IPv4-mapped forms.
 */
export function classifyPrivateAddress(ip: string): string | null {
  const family = isIP(ip);
  if (family === 4) {
    const n = ipv4ToInt(ip);
    for (const [base, bits, why] of V4_BLOCKED) if (inV4(n, base, bits)) return why;
    return null;
  }
  if (family === 6) {
    const g = expandV6(ip);
    if (!g) return 'unparseable';
    if (g.every((x) => x === 0)) return 'unspecified';
    if (g.slice(0, 7).every((x) => x === 0) && g[7] === 1) return 'loopback';
    // IPv4-mapped ::ffff:a.b.c.d and IPv4-compatible ::a.b.c.d
    if (g.slice(0, 5).every((x) => x === 0) && (g[5] === 0xffff || g[5] === 0)) {
      const v4 = `${g[6] >> 8}.${g[6] & 0xff}.${g[7] >> 8}.${g[7] & 0xff}`;
      return classifyPrivateAddress(v4);
    }
    // NAT64 64:ff9b::/96 embeds an IPv4 address
    if (g[0] === 0x64 && g[1] === 0xff9b) {
      const v4 = `${g[6] >> 8}.${g[6] & 0xff}.${g[7] >> 8}.${g[7] & 0xff}`;
      return classifyPrivateAddress(v4);
    }
    if ((g[0] & 0xfe00) === 0xfc00) return 'unique local (private)';
    if ((g[0] & 0xffc0) === 0xfe80) return 'link-local';
    if ((g[0] & 0xffc0) === 0xfec0) return 'site-local';
    if ((g[0] & 0xff00) === 0xff00) return 'multicast';
    if (g[0] === 0x2001 && g[1] === 0xdb8) return 'documentation';
    if (g[0] === 0xfd00 && g[1] === 0xec2) return 'cloud metadata';
    return null;
  }
  return 'not an IP address';
}

export function isPrivateAddress(ip: string): boolean {
  return classifyPrivateAddress(ip) !== null;
}

/** Host names that always mean this machine or a metadata service, before any DNS. */
export function isLocalHostname(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/\.$/, '');
  return h === 'localhost' || h.endsWith('.localhost') || h === 'metadata.google.internal' || h === 'metadata';
}
