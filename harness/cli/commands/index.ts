import type { CommandRegistrar } from '../program.js';

/** Every command of `bench`, in the order --help lists them. */
export const commands: CommandRegistrar[] = [];
