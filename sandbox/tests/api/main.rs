//! End-to-end tests of the sandbox's HTTP surface, one module per resource.

mod common;

mod apps;
mod archive_attacks;
mod artifacts;
mod authz;
mod databases;
mod device;
mod dns;
mod domains;
mod health;
mod hostnames;
mod http_edges;
mod openapi;
mod persistence;
mod public_urls;
mod raw_api;
mod reset;
mod sandbox_routes;
mod seed_file;
mod site;
mod snapshot;
mod sql;
mod sql_attacks;
