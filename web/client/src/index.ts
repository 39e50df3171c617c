/** The Switchboard protocol client: typed frames, reconnect, resume, resend. */
export * from "./protocol.js";
export * from "./reconnect.js";
export * from "./streams.js";
export * from "./outbox.js";
export * from "./client.js";
export * from "./template.js";
export * from "./widget.js";
export * from "./channel-state.js";
export * from "./socket.js";
export type * from "./options.js";
