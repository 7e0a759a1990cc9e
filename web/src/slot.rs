//! What the shell asks the notebook to mount into a placeholder (compiled into both bundles: the
//! shell writes it, the notebook reads it). It travels as JSON in a window event
//! (`notebook_loader.rs`, `notebook.rs`), so it holds only text: the notebook parses the fence's
//! words, the share link and the exercise itself.

use serde::{Deserialize, Serialize};

/// A placeholder's content.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Slot {
    /// A ```` ```khafka ```` fence of a lesson or documentation page.
    Cell(CellSpec),
    /// `#/playground`.
    Playground,
    /// `#/presenter`.
    Presenter,
    /// `#/bench`.
    Bench,
}

/// A cell as the page's Markdown declares it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CellSpec {
    /// Stable id (page name and cell number) under which edits are saved.
    pub id: String,
    /// The cell's number on its page (share links name it).
    pub index: usize,
    /// The scenario as the page wrote it.
    pub source: String,
    /// The fence's words after `khafka` (`knob=…`, `show=…`, `exercise`, `continue`).
    pub words: Vec<String>,
    /// The cells this one continues, earliest first, as `(id, original source)`.
    pub continues: Vec<(String, String)>,
    /// For an exercise: the text of the ```` ```khafka solution ```` block after it.
    pub solution: Option<String>,
    /// The page's route, for the cell's share links (`None`: links open in the playground).
    pub route: Option<String>,
    /// The address's fragment when the page was opened from a share link: the notebook opens the
    /// state it carries in the cell it names.
    pub link: Option<String>,
}
