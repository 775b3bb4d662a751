#!/usr/bin/env node
// The `bench` executable: the CLI (harness/cli) given the built-in suites (suites/index.ts).
// It lives outside harness/ because nothing under harness/ imports suites/.
import { main } from '../harness/cli/main.js';
import { builtInSuites } from '../suites/index.js';

await main(builtInSuites);
