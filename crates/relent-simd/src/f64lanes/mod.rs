//! The per-function terms: what one vector of inputs contributes to each accumulation stream
//! of the chunk driver ([`crate::driver`]). One file per family; each term is written once over
//! [`crate::lanes::Lanes`].

pub(crate) mod cross_entropy;
pub(crate) mod divided;
pub(crate) mod gaussian;
pub(crate) mod jeffreys;
pub(crate) mod js;
pub(crate) mod kl;
pub(crate) mod kl_log;
pub(crate) mod logits;

pub(crate) use cross_entropy::{CrossEntropy, Entropy};
pub(crate) use gaussian::{GaussianKlDiag, GaussianKlDiagLogvar};
pub(crate) use jeffreys::Jeffreys;
pub(crate) use js::JsDivergence;
pub(crate) use kl::{GeneralizedKl, Kl, KlNormalized};
pub(crate) use kl_log::KlLog;
