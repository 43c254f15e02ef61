//! The Terraform language as symflow needs it: values that may be unknown or sensitive
//! ([`value`]), expressions ([`expr`]), Terraform's built-in functions ([`functions`]), type
//! constraints ([`types`]), Terraform state ([`state`]) and the Sym provider's version
//! ([`providers`]).

pub(crate) mod expr;
pub(crate) mod functions;
pub mod providers;
pub mod state;
pub(crate) mod types;
pub mod value;
