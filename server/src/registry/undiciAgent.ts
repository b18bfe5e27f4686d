// undici's Agent in a bundle of its own (server/out/undici-agent.js, esbuild.mjs): loaded only when a registry needs
// a CA of the user's or no verification (transport.ts), so the half megabyte it weighs is not parsed at every start.
export { Agent } from 'undici';
