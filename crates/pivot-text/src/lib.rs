//! Text Pivot shows and writes out, pure and native-tested; in the panels' wasm, the
//! sharing page's and the native commands alike.
//!
//! Values come from the API or a share package, so from anyone: nothing here ever
//! produces HTML, and a control or reordering character reaches a screen, the
//! clipboard, a file or a terminal only as a visible escape.
//!
//! - [`escape`]: control and reordering characters as `\u{202E}` escapes (the one function
//!   for every way out);
//! - [`defang`]: indicator values shown so nobody clicks or resolves them;
//! - [`refang`]: defanged text typed or pasted, back to the value it stands for;
//! - [`csv`]: lists as CSV, every cell quoted, formulas neutralised;
//! - [`values`]: how API values read (scalars, labels, http(s)-only links, TLP, ratings);
//! - [`messages`]: statuses after copy and export, confirm questions.
#![deny(missing_docs)]

pub mod csv;
pub mod defang;
pub mod escape;
pub mod messages;
pub mod refang;
pub mod values;
