import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { BlockList, isIP, type LookupFunction } from "node:net";
import { ForbiddenError, InvalidInputError } from "../core/errors.ts";

/**
 * Which URLs the server may send requests to on a tenant's behalf. When `restricted` (a server with
 * auth), a URL must match one of `allow`, and no request goes to a loopback, private, link-local or
 * other non-public address unless a pattern names that host exactly (a wildcard never admits one).
 * When not restricted (a trusted, loopback-only server), any http(s) URL may be reached.
 */
export interface OutboundPolicy {
  restricted: boolean;
  /** Patterns such as `https://hooks.example.com/engram`, `https://*.example.com`, `http://127.0.0.1:9000`. */
  allow: readonly string[];
}

/** Trusted callers: any http(s) URL. */
export const UNRESTRICTED: OutboundPolicy = { restricted: false, allow: [] };

/** An allowlist pattern, read. */
export interface AllowPattern {
  text: string;
  protocol: string;
  /** Lower-case host; `*` any; `*.example.com` any subdomain. */
  host: string;
  port: string;
  path: string;
}

const PATTERN =
  /^(https?):\/\/(\*|\*\.[^/:*\s]+|\[[0-9a-fA-F:.]+\]|[^/:*\s[\]]+)(?::(\d{1,5}))?(\/[^*\s]*)?\*?$/;

/**
 * Reads an allowlist pattern: `http(s)://HOST[:PORT][/PATH-PREFIX]`, HOST exact, `*` or `*.DOMAIN`.
 * @throws InvalidInputError for anything else (a typo must not silently allow nothing, or everything)
 */
export function parseAllowPattern(text: string): AllowPattern {
  const match = PATTERN.exec(text.trim());
  if (match === null)
    throw new InvalidInputError(
      `invalid allow-url: ${JSON.stringify(text)}: must be http(s)://HOST[:PORT][/PATH], HOST exact, * or *.DOMAIN`,
    );
  const [, protocol = "", host = "", port, path] = match;
  return {
    text,
    protocol: `${protocol.toLowerCase()}:`,
    host: host.toLowerCase(),
    port: port ?? defaultPort(`${protocol.toLowerCase()}:`),
    path: path ?? "/",
  };
}

/** Checks every pattern of a policy; call at start so that a bad one is reported at once. */
export function checkPolicy(policy: OutboundPolicy): void {
  for (const pattern of policy.allow) parseAllowPattern(pattern);
}

/**
 * A URL a request may be sent to: http(s), no credentials in it.
 * @throws InvalidInputError naming `field`
 */
export function parseDestination(url: unknown, field: string): URL {
  if (typeof url !== "string" || url.length > 2048)
    throw new InvalidInputError(`invalid ${field}: must be an http(s) URL of at most 2048 characters`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidInputError(`invalid ${field}: must be an http(s) URL`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:")
    throw new InvalidInputError(
      `invalid ${field}: must be an http(s) URL, not ${parsed.protocol.slice(0, -1)}`,
    );
  if (parsed.username !== "" || parsed.password !== "")
    throw new InvalidInputError(`invalid ${field}: must not carry credentials`);
  return parsed;
}

/**
 * Whether the policy lets a request go to `url`, and if so whether a non-public address is fine for it.
 * @throws ForbiddenError naming `field` when the URL is on no pattern of a restricted policy
 */
export function admit(url: URL, policy: OutboundPolicy, field: string): { privateAllowed: boolean } {
  if (!policy.restricted) return { privateAllowed: true };
  const host = url.hostname.toLowerCase();
  const port = url.port === "" ? defaultPort(url.protocol) : url.port;
  for (const pattern of policy.allow.map(parseAllowPattern)) {
    if (pattern.protocol !== url.protocol || pattern.port !== port || !url.pathname.startsWith(pattern.path))
      continue;
    if (pattern.host === host) return { privateAllowed: true };
    if (pattern.host === "*" || (pattern.host.startsWith("*.") && host.endsWith(pattern.host.slice(1))))
      return { privateAllowed: false };
  }
  throw new ForbiddenError(
    `invalid ${field}: ${url.origin} is not on this server's outbound allowlist (engram serve --allow-url PATTERN)`,
  );
}

/**
 * Checks a URL against the policy, resolving its host and checking every address it has.
 * @throws ForbiddenError naming `field` when the URL or one of its addresses is not allowed
 */
export async function checkDestination(url: URL, policy: OutboundPolicy, field: string): Promise<void> {
  const { privateAllowed } = admit(url, policy, field);
  if (privateAllowed) return;
  const host = bareHost(url.hostname);
  const addresses =
    isIP(host) !== 0
      ? [host]
      : await new Promise<string[]>((resolve, reject) =>
          dnsLookup(host, { all: true }, (error, found) =>
            error
              ? reject(new ForbiddenError(`invalid ${field}: ${host} does not resolve (${error.code})`))
              : resolve(found.map((a) => a.address)),
          ),
        );
  const blocked = addresses.find(isNonPublic);
  if (blocked !== undefined)
    throw new ForbiddenError(
      `invalid ${field}: ${host} resolves to ${blocked}, a non-public address, which only an exact --allow-url pattern admits`,
    );
}

/**
 * A DNS lookup for a request to `url` that refuses non-public addresses unless the policy admits them
 * for it: the address checked is the one connected to, so a name cannot resolve differently between
 * the check and the request.
 */
export function guardedLookup(url: URL, policy: OutboundPolicy): LookupFunction {
  const { privateAllowed } = admit(url, policy, "url");
  return ((hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    dnsLookup(hostname, { ...options, all: true }, (error, found: LookupAddress[]) => {
      if (error) return callback(error);
      const blocked = privateAllowed ? undefined : found.find((a) => isNonPublic(a.address));
      if (blocked !== undefined)
        return callback(
          Object.assign(new Error(`${hostname} resolves to ${blocked.address}, a non-public address`), {
            code: "ENONPUBLIC",
          }),
        );
      if (options.all === true) return callback(null, found);
      const first = found[0];
      if (first === undefined) return callback(new Error(`${hostname} has no address`));
      callback(null, first.address, first.family);
    });
  }) as LookupFunction;
}

/** Addresses that reach this machine or a private network rather than the public internet. */
const NON_PUBLIC = (() => {
  const list = new BlockList();
  for (const [net, prefix] of [
    ["0.0.0.0", 8],
    ["10.0.0.0", 8],
    ["100.64.0.0", 10],
    ["127.0.0.0", 8],
    ["169.254.0.0", 16],
    ["172.16.0.0", 12],
    ["192.0.0.0", 24],
    ["192.168.0.0", 16],
    ["198.18.0.0", 15],
    ["224.0.0.0", 4],
    ["240.0.0.0", 4],
  ] as const)
    list.addSubnet(net, prefix, "ipv4");
  for (const [net, prefix] of [
    ["::", 128],
    ["::1", 128],
    ["fc00::", 7],
    ["fe80::", 10],
    ["ff00::", 8],
    ["64:ff9b::", 96],
  ] as const)
    list.addSubnet(net, prefix, "ipv6");
  return list;
})();

/** Whether an IP address is loopback, private, link-local, multicast or otherwise not public. */
export function isNonPublic(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1] !== undefined) return NON_PUBLIC.check(mapped[1], "ipv4");
  const family = isIP(address);
  if (family === 0) return true;
  return NON_PUBLIC.check(address, family === 4 ? "ipv4" : "ipv6");
}

function bareHost(hostname: string): string {
  return hostname.replace(/^\[(.*)\]$/, "$1");
}

function defaultPort(protocol: string): string {
  return protocol === "https:" ? "443" : "80";
}
