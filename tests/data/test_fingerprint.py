"""What a model file keeps of the table it was tuned on (skact.data.fingerprint): the file's
digest, enough to know that file again and nothing about its rows."""

from skact.data.fingerprint import file_digest, same_file_warning


def test_the_tuned_file_and_its_copies_are_known_again_and_other_files_are_not(tmp_path):
    tuned = tmp_path / "patients.csv"
    tuned.write_text("age,dose,outcome\n61,2.5,yes\n47,1.0,no\n")
    saved = file_digest(tuned)
    assert len(saved) == 64 and int(saved, 16) >= 0  # a SHA-256 in hex: no row in it
    copy = tmp_path / "copy.csv"
    copy.write_bytes(tuned.read_bytes())
    message = same_file_warning(saved, copy)
    assert message.startswith(f"{copy} is the file this model was tuned on (the same bytes): "
                              "the rows it was trained on are among those scored")
    new = tmp_path / "new.csv"
    new.write_text("age,dose,outcome\n61,2.5,yes\n52,3.0,no\n")  # one row in common
    assert same_file_warning(saved, new) is None


def test_no_check_without_a_digest_or_a_regular_file(tmp_path):
    tuned = tmp_path / "t.csv"
    tuned.write_text("a,y\n1,2\n")
    for saved in (None, 42, ["x"], {"sha": "x"}):  # an older model file, or one edited
        assert same_file_warning(saved, tuned) is None
    assert file_digest(tmp_path) is None and file_digest(tmp_path / "missing.csv") is None
    assert same_file_warning(file_digest(tuned), tmp_path / "missing.csv") is None
