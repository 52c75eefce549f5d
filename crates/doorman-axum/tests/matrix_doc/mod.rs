//! The fault matrices' place in `docs/reliability.md`: each matrix's cells rendered as the
//! doc's tables (a grid of steps by faults, then one line per cell with its outcome and its
//! test), and the check that the doc holds them, so neither can change without the other.

/// One cell, as the doc shows it.
pub(crate) struct DocumentedCell {
    pub(crate) step: &'static str,
    pub(crate) fault: &'static str,
    /// The outcome in the grid.
    pub(crate) short: &'static str,
    /// The outcome in the cell's own line.
    pub(crate) described: String,
    pub(crate) test: &'static str,
}

/// The tables of a matrix whose rows are `steps` and columns `faults`, headed by `corner`,
/// its tests in `file`.
pub(crate) fn tables(
    corner: &str,
    file: &str,
    steps: &[&str],
    faults: &[&str],
    cells: &[DocumentedCell],
) -> String {
    let short = |step: &str, fault: &str| {
        cells
            .iter()
            .find(|cell| cell.step == step && cell.fault == fault)
            .unwrap_or_else(|| panic!("no cell for {step} × {fault}"))
            .short
    };
    let mut text = format!("| {corner} |");
    for fault in faults {
        text.push_str(&format!(" {fault} |"));
    }
    text.push_str("\n|---|");
    text.push_str(&"---|".repeat(faults.len()));
    text.push('\n');
    for step in steps {
        text.push_str(&format!("| {step} |"));
        for fault in faults {
            text.push_str(&format!(" {} |", short(step, fault)));
        }
        text.push('\n');
    }
    text.push_str(&format!(
        "\n| {corner} | fault | outcome | test (`{file}`) |\n|---|---|---|---|\n"
    ));
    for cell in cells {
        text.push_str(&format!(
            "| {} | {} | {} | `{}` |\n",
            cell.step, cell.fault, cell.described, cell.test
        ));
    }
    text
}

/// Fails unless `docs/reliability.md` holds `tables` (the `what` of the matrix), printing
/// the tables it should hold.
pub(crate) fn assert_documented(what: &str, tables: &str) {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/reliability.md");
    let doc = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    assert!(
        doc.contains(tables),
        "{path} does not hold {what} as tested; its tables should read:\n\n{tables}"
    );
}
