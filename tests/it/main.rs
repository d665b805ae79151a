//! The app's integration tests, one binary: the tree against docs/architecture.md, the calls
//! and tests docs/api-coverage.md names against the code, the install.json package, the
//! pages' policy, the suite's own rules and a Space element's state against the sandbox.

mod api_coverage;
mod architecture;
mod element_state;
mod install_json;
mod page_policy;
mod suite_rules;
