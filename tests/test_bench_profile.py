"""The per-stage profile: every stage of the link gets its share, and the shares add up."""

import json

import pytest

from semjscc.bench.profile import STAGES, run_profile_bench


def test_profile_splits_a_run_into_the_link_stages(tmp_path):
    (result,) = run_profile_bench(str(tmp_path), ["baseline_awgn_kn1-6_snr10"], "sample:cifar10:test:16",
                                  tx_stream=False)
    rows = {row["stage"]: row for row in result["stages"]}
    assert set(rows) == {stage for stage, _, _ in STAGES} | {"PDU conversions (flowgraph only)", "other"}
    link = [row for row in rows.values() if row["share_of_link"] is not None]
    assert sum(row["share_of_link"] for row in link) == pytest.approx(1.0, abs=0.01)
    for stage in ("neural encoder", "neural decoder (+ task network)", "detection (autocorrelation)",
                  "header decode (Viterbi, CRC)", "RRC modulator", "PDU conversions (flowgraph only)"):
        assert rows[stage]["us_per_image"] > 0, stage
    assert rows["other"]["share_of_link"] < 0.2  # the named stages account for the run
    assert result["images_decoded"] == 16
    assert json.loads((tmp_path / "profile.json").read_text())[0]["model"] == "baseline_awgn_kn1-6_snr10"
    assert (tmp_path / "profile.png").is_file()
    sync = json.loads((tmp_path / "synchroniser.json").read_text())
    assert set(sync) == {"single-carrier", "ofdm"} and all(rate > 0 for rates in sync.values() for rate in rates.values())


def test_the_tx_stream_cost_is_measured_per_burst():
    from semjscc.bench.profile import stream_cost_ms
    from semjscc.gr.burst_stream import burst_stream

    assert 0 < stream_cost_ms(burst_stream, 20, length=1000) < 50
