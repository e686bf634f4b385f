//! Every integration test of Coucou, in one crate: the library and its dependencies are linked
//! once, not once per suite. A module per suite (its `//!` says what it covers); the suites that
//! need root, a broker, `openssl` or a Vulkan driver are compiled only with their feature
//! (`netns-tests`, `mount-tests`, `nats-tests`, `openssl-tests`, `snapshots`), which `.ci/run`
//! turns on after installing what they need. One suite alone: `cargo test --test suite -- json::`.

mod app_support;
mod common;

mod app;
mod app_files;
mod app_history;
mod app_linked;
mod app_messages;
mod app_pictures;
mod app_presence;
mod app_rooms;
mod browser;
mod cli;
mod crash;
mod device_privates;
mod devices;
mod diagnostics;
mod discovery_netns;
mod emfile;
mod files;
mod full_disk;
mod history;
mod hostile;
mod i18n;
mod json;
mod layers;
mod limits;
mod link;
mod linked;
mod linked_moderation;
mod messages;
mod moderation;
mod plain;
mod presence;
mod proptest_protocol;
mod room_moderators;
mod rooms;
mod rooms_password;
mod snapshots;
mod store;
mod tls;
mod web;
mod webdriver;
