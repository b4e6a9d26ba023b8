//! Spreadsheet files: this module owns the XLSX and CSV formats of
//! marketplace exports and bulk imports, and nothing else.
//!
//! It knows no products, no database and no HTTP: exports hand it rows of
//! [`Cell`]s and get a file back; imports hand it the uploaded bytes and get
//! a [`Table`] of trimmed strings whose row numbers match what the person
//! sees in Excel, or a [`ReadError`] precise enough to tell them what to fix.
//!
//! Both writers pass every text cell through [`neutralise`], so an exported
//! product name can never run as a formula when a seller opens the file.

pub mod read;
pub mod write;
mod xlsx;

pub use read::{MAX_IMPORT_BYTES, MAX_IMPORT_ROWS, ReadError, Row, Table, read_table};
pub use write::{
    Cell, CsvSheet, SheetFormat, SheetWriter, XlsxSheet, create, neutralise, unneutralise,
};

#[cfg(test)]
mod tests {
    use super::*;

    fn product_rows() -> Vec<Vec<Cell>> {
        vec![
            vec![
                "Mã số thuế".into(),
                "Tên sản phẩm".into(),
                "Số lượng".into(),
                "Giá".into(),
            ],
            vec![
                "0102595740".into(),
                "Mật ong rừng Pù Luông".into(),
                Cell::Int(150_000),
                Cell::Number(1.5),
            ],
            vec![
                "0912345678".into(),
                "Chè Shan tuyết, \"cổ thụ\"\nHà Giang".into(),
                Cell::Int(-3),
                Cell::Number(2.0),
            ],
            vec![
                Cell::Empty,
                Cell::from(None::<String>),
                Cell::Int(0),
                "cuối".into(),
            ],
        ]
    }

    /// What a reader should see for a written row: trimmed text, numbers
    /// as a person would type them, no trailing empty cells.
    fn as_read(cells: &[Cell]) -> Vec<String> {
        let mut texts: Vec<String> = cells
            .iter()
            .map(|cell| match cell {
                Cell::Text(text) => neutralise(text).trim().to_owned(),
                Cell::Int(n) => n.to_string(),
                Cell::Number(n) => n.to_string(),
                Cell::Empty => String::new(),
            })
            .collect();
        while texts.last().is_some_and(String::is_empty) {
            texts.pop();
        }
        texts
    }

    fn assert_reads_back(table: &Table, written: &[Vec<Cell>]) {
        assert_eq!(table.headers, as_read(&written[0]));
        assert_eq!(table.rows.len(), written.len() - 1);
        for (index, (row, cells)) in table.rows.iter().zip(&written[1..]).enumerate() {
            assert_eq!(row.number, index + 2);
            assert_eq!(row.cells, as_read(cells), "row {}", row.number);
        }
    }

    fn write_xlsx(rows: &[Vec<Cell>], text_columns: &[usize]) -> Vec<u8> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("export.xlsx");
        let mut sheet = XlsxSheet::create(&path, "Sản phẩm", text_columns, &[14.0, 40.0]).unwrap();
        for row in rows {
            sheet.write_row(row).unwrap();
        }
        let size = Box::new(sheet).finish().unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(size, bytes.len() as u64);
        bytes
    }

    #[test]
    fn csv_export_reads_back_cell_for_cell() {
        let rows = product_rows();
        let mut bytes = Vec::new();
        let mut sheet = CsvSheet::new(&mut bytes).unwrap();
        for row in &rows {
            sheet.write_row(row).unwrap();
        }
        let size = Box::new(sheet).finish().unwrap();

        assert_eq!(size, bytes.len() as u64);
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
        let table = read_table("san-pham.csv", &bytes).unwrap();
        assert_reads_back(&table, &rows);
        assert_eq!(table.cell(&table.rows[0], 3), "1.5");
        assert_eq!(table.cell(&table.rows[1], 3), "2");
        assert_eq!(
            table.cell(&table.rows[1], 1),
            "Chè Shan tuyết, \"cổ thụ\"\nHà Giang"
        );
    }

    #[test]
    fn xlsx_export_reads_back_and_keeps_leading_zeros() {
        let rows = product_rows();
        let bytes = write_xlsx(&rows, &[0]);

        let table = read_table("san-pham.XLSX", &bytes).unwrap();
        assert_reads_back(&table, &rows);
        assert_eq!(table.cell(&table.rows[0], 0), "0102595740");
        assert_eq!(table.cell(&table.rows[0], 2), "150000");
    }

    #[test]
    fn both_writers_neutralise_formulas_in_text() {
        let rows = vec![
            vec!["Tên".into(), "Ghi chú".into()],
            vec!["=HYPERLINK(\"http://evil\")".into(), "@SUM(A1)".into()],
            vec!["+84912345678".into(), Cell::Int(-5)],
        ];
        let mut csv = Vec::new();
        let mut sheet = CsvSheet::new(&mut csv).unwrap();
        for row in &rows {
            sheet.write_row(row).unwrap();
        }
        Box::new(sheet).finish().unwrap();
        let xlsx = write_xlsx(&rows, &[]);

        for table in [
            read_table("a.csv", &csv).unwrap(),
            read_table("a.xlsx", &xlsx).unwrap(),
        ] {
            assert_eq!(
                table.rows[0].cells,
                ["'=HYPERLINK(\"http://evil\")", "'@SUM(A1)"]
            );
            // A number stays a number: -5 is not text and needs no apostrophe.
            assert_eq!(table.rows[1].cells, ["'+84912345678", "-5"]);
        }
    }

    #[test]
    fn xlsx_export_cuts_overlong_text_instead_of_failing() {
        let long = "ư".repeat(40_000);
        let bytes = write_xlsx(&[vec!["Mô tả".into()], vec![long.into()]], &[]);

        let table = read_table("a.xlsx", &bytes).unwrap();
        assert_eq!(table.rows[0].cells[0].chars().count(), 32_767);
    }

    #[test]
    fn ten_thousand_row_xlsx_export_reads_back() {
        let mut rows = vec![vec![Cell::from("Mã"), Cell::from("Tên")]];
        rows.extend((0..10_000).map(|i| vec![Cell::Int(i), Cell::Text(format!("Sản phẩm {i}"))]));
        let bytes = write_xlsx(&rows, &[]);

        let table = read_table("a.xlsx", &bytes).unwrap();
        assert_eq!(table.rows.len(), 10_000);
        assert_eq!(table.rows[9_999].number, 10_001);
        assert_eq!(table.rows[9_999].cells, ["9999", "Sản phẩm 9999"]);
    }

    #[test]
    fn writers_can_move_to_a_blocking_thread() {
        fn assert_send<T: Send>() {}
        assert_send::<XlsxSheet>();
        assert_send::<CsvSheet<std::fs::File>>();
        assert_send::<Table>();
        assert_send::<ReadError>();
    }
}
