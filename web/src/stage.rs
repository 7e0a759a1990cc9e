//! The stage bundle: the notebook's cells with the playground, the presenter and the bench page,
//! built with the `stage` feature. The same modules and entry point as the notebook (`notebook.rs`,
//! which says how both are built and started).

include!("notebook_app.rs");
