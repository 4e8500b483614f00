//! The query suite's parts: the two stores as running processes ([`backend`]), the events
//! both get ([`fixture`]), what the answers must be, computed from the fixture alone
//! ([`oracle`]), and the comparison of two answers ([`compare`]).

#![allow(dead_code)] // the suite uses what each check needs

pub mod backend;
pub mod behaviour;
pub mod compare;
pub mod events;
pub mod fixture;
pub mod issues;
pub mod oracle;
pub mod overview;
pub mod schema;
pub mod vitals;
