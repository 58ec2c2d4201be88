#!/usr/bin/env node
// The CLI is TypeScript run directly by Node's type stripping (on by default from Node 22.18 / 23.6).
// A published package ships JavaScript built by tsc instead, since Node strips no types under node_modules.
import "../src/cli/main.ts";
