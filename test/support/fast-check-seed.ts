/**
 * Property tests explore a new random seed on every local run. With FC_SEED set (CI sets it)
 * they replay that seed, so a CI result is reproducible; a failure prints its seed and path
 * either way.
 */
import fc from "fast-check";

const seed = process.env.FC_SEED;
if (seed) fc.configureGlobal({ seed: Number(seed) });
