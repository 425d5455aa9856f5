"""ELUE-layout readers: file quirks, row alignment and data errors."""

from __future__ import annotations

import pytest
from evaluator_files import write_file

from evaluator.errors import DataError
from evaluator.readers import read_split, read_test_inputs, read_test_set, read_tsv
from evaluator.tasks import get_task

BOM = "\ufeff"


def test_bom_and_crlf_are_removed(tmp_path):
    path = write_file(tmp_path / "a.tsv", f"{BOM}index\tpremise\r\n0\tA dog .\r\n1\tA cat .\r\n")
    table = read_tsv(path)
    assert table.header == ("index", "premise")
    assert table.rows == [["0", "A dog ."], ["1", "A cat ."]]


@pytest.mark.parametrize("separator", ["\u2028", "\x85", "\u2029", "\x0c"])
def test_unicode_line_break_stays_inside_row(tmp_path, separator):
    review = f"First part.{separator}Second part."
    path = write_file(tmp_path / "a.tsv", f"index\tsentence\n0\t{review}\n1\tshort\n")
    table = read_tsv(path)
    assert len(table.rows) == 2
    assert table.rows[0][1] == review


def test_unbalanced_quotes_read_verbatim(tmp_path):
    text = '" The pie business does not fit .'
    path = write_file(tmp_path / "a.tsv", f'index\tsentence\n0\t{text}\n1\tsays "no"\n')
    table = read_tsv(path)
    assert table.rows[0][1] == text
    assert table.rows[1][1] == 'says "no"'


def test_csv_quoted_file_is_unquoted(tmp_path):
    path = write_file(
        tmp_path / "a.tsv",
        'sentence1\tsentence2\tlabel\n"says ""no diving""."\tplain\t2.500\n',
    )
    table = read_tsv(path, csv_quoted=True)
    assert table.rows == [['says "no diving".', "plain", "2.500"]]


def test_missing_file_names_path(tmp_path):
    with pytest.raises(DataError, match="Missing data file .*nope.tsv"):
        read_tsv(tmp_path / "nope.tsv")


def test_empty_file_is_rejected(tmp_path):
    with pytest.raises(DataError, match="is empty"):
        read_tsv(write_file(tmp_path / "a.tsv", ""))


def test_short_row_names_line(tmp_path):
    path = write_file(tmp_path / "a.tsv", "index\tsentence\n0\tfine\n1\n")
    with pytest.raises(DataError, match=r"a.tsv:3: expected 2 tab-separated fields .* found 1"):
        read_tsv(path)


def test_invalid_utf8_is_rejected(tmp_path):
    path = tmp_path / "a.tsv"
    path.write_bytes(b"index\tsentence\n0\t\xff\n")
    with pytest.raises(DataError, match="not valid UTF-8"):
        read_tsv(path)


def make_mrpc(tmp_path, gold_rows: str = '1\t-\t-\t"He said "" hi"""\tHi .\n0\t-\t-\tA .\tB .\n'):
    folder = tmp_path / "MRPC"
    write_file(
        folder / "test.tsv",
        'index\t#1 ID\t#2 ID\t#1 String\t#2 String\n'
        '0\t11\t12\tHe said " hi"\tHi .\n'
        '1\t13\t14\tA .\tB .\n',
    )
    write_file(folder / "test_full.tsv", "label\t#1 ID\t#2 ID\t#1 String\t#2 String\n" + gold_rows)
    write_file(
        folder / "train.tsv",
        f"{BOM}Quality\t#1 ID\t#2 ID\t#1 String\t#2 String\n1\t1\t2\t\" quoted\tx\n",
    )
    return tmp_path


def test_test_set_pairs_inputs_and_gold(tmp_path):
    test_set = read_test_set(get_task("MRPC"), make_mrpc(tmp_path))
    assert test_set.indices == [0, 1]
    assert test_set.inputs == [('He said " hi"', "Hi ."), ("A .", "B .")]
    assert test_set.gold == [1, 0]
    assert len(test_set) == 2


def test_test_set_repr_hides_gold(tmp_path):
    test_set = read_test_set(get_task("MRPC"), make_mrpc(tmp_path))
    assert "gold=" not in repr(test_set)


def test_read_test_inputs_in_file_order(tmp_path):
    inputs = read_test_inputs(get_task("MRPC"), make_mrpc(tmp_path))
    assert inputs == [('He said " hi"', "Hi ."), ("A .", "B .")]


def test_row_count_mismatch_is_rejected(tmp_path):
    data_dir = make_mrpc(tmp_path, gold_rows="1\t-\t-\tA .\tB .\n")
    with pytest.raises(DataError, match="has 2 rows but .*test_full.tsv has 1"):
        read_test_set(get_task("MRPC"), data_dir)


def test_invalid_gold_label_is_not_quoted(tmp_path):
    data_dir = make_mrpc(tmp_path, gold_rows="7\t-\t-\tA .\tB .\n0\t-\t-\tA .\tB .\n")
    with pytest.raises(DataError) as caught:
        read_test_set(get_task("MRPC"), data_dir)
    message = str(caught.value)
    assert message.endswith("test_full.tsv:2: invalid label for task MRPC")


def test_missing_text_column_is_named(tmp_path):
    write_file(tmp_path / "SST-2" / "test.tsv", "index\ttext\n0\thello\n")
    with pytest.raises(DataError, match="missing column 'sentence'"):
        read_test_inputs(get_task("SST-2"), tmp_path)


def test_non_integer_index_is_rejected(tmp_path):
    write_file(tmp_path / "SST-2" / "test.tsv", "index\tsentence\nx1\thello\n")
    write_file(tmp_path / "SST-2" / "test_full.tsv", "sentence\tlabel\nhello\t1\n")
    with pytest.raises(DataError, match="index 'x1' is not an integer"):
        read_test_set(get_task("SST-2"), tmp_path)


def test_duplicate_index_is_rejected(tmp_path):
    write_file(tmp_path / "SST-2" / "test.tsv", "index\tsentence\n0\ta\n0\tb\n")
    write_file(tmp_path / "SST-2" / "test_full.tsv", "sentence\tlabel\na\t1\nb\t0\n")
    with pytest.raises(DataError, match="duplicate"):
        read_test_set(get_task("SST-2"), tmp_path)


def test_train_split_uses_quality_column(tmp_path):
    split = read_split(get_task("MRPC"), make_mrpc(tmp_path), "train")
    assert split.inputs == [('" quoted', "x")]
    assert split.labels == [1]


def test_regression_labels_are_floats(tmp_path):
    write_file(tmp_path / "STS-B" / "dev.tsv", "sentence1\tsentence2\tlabel\na\tb\t4.750\n")
    split = read_split(get_task("stsb"), tmp_path, "dev")
    assert split.labels == [4.75]


def test_non_finite_regression_label_is_rejected(tmp_path):
    write_file(tmp_path / "STS-B" / "dev.tsv", "sentence1\tsentence2\tlabel\na\tb\tnan\n")
    with pytest.raises(DataError, match="invalid label"):
        read_split(get_task("stsb"), tmp_path, "dev")


def test_unknown_split_is_rejected(tmp_path):
    with pytest.raises(ValueError, match="Unknown split 'validation'"):
        read_split(get_task("SST-2"), tmp_path, "validation")
