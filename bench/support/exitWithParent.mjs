/**
 * Preloaded (`--import`) into every benchmark child process: when the IPC channel to the bench
 * closes because the bench exited or crashed, the child exits too. Without this a gateway child
 * keeps its server listening after the parent is gone. Plain JavaScript because NODE_OPTIONS
 * (see processes.ts) loads it before tsx is registered.
 */
process.on("disconnect", () => process.exit(0));
