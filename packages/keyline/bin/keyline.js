#!/usr/bin/env node
// The binary runs the compiled CLI; `npm run build` produces it.
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv);
