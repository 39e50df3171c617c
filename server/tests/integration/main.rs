//! End-to-end tests: a real server on 127.0.0.1:0 with a temporary data
//! folder, driven through the client SDK or a raw WebSocket client. They
//! compile into one binary and share `util`.

mod api_client;
mod app;
mod auth;
mod backup;
mod blasts;
mod bots;
mod bridges;
mod catch_up;
mod chat;
mod child;
mod cli;
mod commands;
mod concurrency;
mod contacts;
mod dashboard;
mod deliver;
mod details;
mod durability;
mod edge;
mod exports;
mod fanout;
mod flush;
mod hostile_session;
mod imports;
mod invite;
mod lifecycle;
mod limits;
mod malformed;
mod matrix;
mod ops;
mod posts;
mod presence;
mod restricted;
mod resume;
mod retry;
mod runtime;
mod secrets;
mod strict;
mod team_signals;
mod teams;
mod util;
mod versions;
mod websession;
mod widget;
