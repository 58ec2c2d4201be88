import type { Readable, Writable } from "node:stream";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { ErrorCode, type JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { checkLine, errorResponse } from "./json-rpc-check.ts";

/** The longest line read (the SDK's own stdio limit); a longer one is refused and skipped. */
export const MAX_LINE_BYTES = 10 * 1024 * 1024;

/**
 * MCP over stdio, one JSON-RPC message per line, like the SDK's `StdioServerTransport` except that no
 * bad line goes unanswered: what is not JSON gets −32700, what is not a request −32600, a known
 * method's bad params −32602 (see json-rpc-check.ts), each on stdout as JSON-RPC asks, and the
 * transport keeps reading. Blank lines are skipped. `log` hears of what JSON-RPC forbids answering
 * (a malformed notification or response).
 */
export class CheckedStdioTransport implements Transport {
  onmessage?: (message: JSONRPCMessage) => void;
  onerror?: (error: Error) => void;
  onclose?: () => void;
  readonly #stdin: Readable;
  readonly #stdout: Writable;
  readonly #log: (line: string) => void;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  /** Past the line limit: the rest of the line is dropped (it was answered already). */
  #skipping = false;

  constructor(stdin: Readable, stdout: Writable, log: (line: string) => void) {
    this.#stdin = stdin;
    this.#stdout = stdout;
    this.#log = log;
  }

  async start(): Promise<void> {
    this.#stdin.on("data", this.#onData);
    this.#stdin.on("error", this.#onError);
  }

  send(message: JSONRPCMessage): Promise<void> {
    return new Promise((resolve) => {
      if (this.#stdout.write(`${JSON.stringify(message)}\n`)) resolve();
      else this.#stdout.once("drain", resolve);
    });
  }

  async close(): Promise<void> {
    this.#stdin.off("data", this.#onData);
    this.#stdin.off("error", this.#onError);
    if (this.#stdin.listenerCount("data") === 0) this.#stdin.pause();
    this.#pending = [];
    this.onclose?.();
  }

  readonly #onError = (error: Error): void => {
    this.onerror?.(error);
  };

  readonly #onData = (chunk: Buffer | string): void => {
    let rest = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    for (let end = rest.indexOf(0x0a); end !== -1; end = rest.indexOf(0x0a)) {
      this.#take(rest.subarray(0, end));
      const line = Buffer.concat(this.#pending).toString("utf8").replace(/\r$/, "");
      const skipped = this.#skipping;
      this.#pending = [];
      this.#pendingBytes = 0;
      this.#skipping = false;
      rest = rest.subarray(end + 1);
      if (!skipped) this.#handle(line);
    }
    this.#take(rest);
  };

  #take(bytes: Buffer): void {
    if (this.#skipping || bytes.length === 0) return;
    this.#pendingBytes += bytes.length;
    if (this.#pendingBytes > MAX_LINE_BYTES) {
      this.#pending = [];
      this.#skipping = true;
      const reason = `invalid request: a message is over ${MAX_LINE_BYTES} bytes`;
      void this.send(errorResponse(null, ErrorCode.InvalidRequest, reason));
      return;
    }
    this.#pending.push(bytes);
  }

  #handle(line: string): void {
    if (line.trim() === "") return;
    const checked = checkLine(line);
    if ("message" in checked) this.onmessage?.(checked.message);
    else if ("error" in checked) void this.send(checked.error);
    else this.#log(`ignored: ${checked.problem}`);
  }
}
