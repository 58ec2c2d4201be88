import http from "node:http";
import https from "node:https";
import { isIP } from "node:net";
import { checkDestination, guardedLookup, type OutboundPolicy } from "./outbound-policy.ts";

/**
 * POSTs a body to a webhook's URL under the outbound policy and resolves with the HTTP status. The
 * address connected to is the one the policy checked; redirects are not followed (one could lead to
 * an address the policy refuses).
 */
export async function postDelivery(
  url: URL,
  body: string,
  headers: Record<string, string>,
  options: { policy: OutboundPolicy; timeoutMs: number; signal: AbortSignal },
): Promise<number> {
  // A literal address needs no lookup, so the guarded lookup would not see it: check it here.
  if (isIP(url.hostname.replace(/^\[(.*)\]$/, "$1")) !== 0)
    await checkDestination(url, options.policy, "url");
  const lookup = guardedLookup(url, options.policy);
  const client = url.protocol === "https:" ? https : http;
  return new Promise<number>((resolve, reject) => {
    const request = client.request(
      url,
      {
        method: "POST",
        headers: { ...headers, "content-length": String(Buffer.byteLength(body)) },
        lookup,
        timeout: options.timeoutMs,
        signal: options.signal,
      },
      (response) => {
        response.resume();
        response.on("end", () => resolve(response.statusCode ?? 0));
        response.on("error", reject);
      },
    );
    // `timeout` only notices a silent socket: a receiver that trickles bytes would hold a try forever,
    // so the whole exchange, the response's body included, has a deadline too.
    const late = () => request.destroy(new Error(`no answer within ${options.timeoutMs} ms`));
    const deadline = setTimeout(late, options.timeoutMs);
    request.on("close", () => clearTimeout(deadline));
    request.on("timeout", late);
    request.on("error", reject);
    request.end(body);
  });
}
