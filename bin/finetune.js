#!/usr/bin/env node
// The finetune command: runs the compiled CLI (npm ci builds dist/).
import { main } from '../dist/src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
