"""compare.all_close is NumPy's allclose (equal_nan) without its fixed cost: the same answer
on every hard case, for every dtype the protocol lets cross."""
import itertools

import numpy as np
import pytest

from rnn_checks.compare import all_close

HARD = [0.0, -0.0, 1.0, -1.0, 1e-9, 1e-8, 1 + 1e-6, 1e300, -1e300, np.inf, -np.inf, np.nan]
TOLERANCES = [(1e-5, 1e-8), (0.0, 0.0), (1e-7, 0.0), (0.0, 1e-6)]


@pytest.mark.parametrize("rtol, atol", TOLERANCES)
def test_every_pair_of_hard_values_agrees_with_numpy(rtol, atol):
    for st, ref in itertools.product(HARD, repeat=2):
        st_array, ref_array = np.array([st, 1.0]), np.array([ref, 1.0])
        assert all_close(st_array, ref_array, rtol, atol) == \
            np.allclose(st_array, ref_array, rtol=rtol, atol=atol, equal_nan=True), (st, ref)


@pytest.mark.parametrize("dtype", ["<f8", "<f4", "<f2", "<i8", "<i2", "|i1", "<u8", "|u1", "|b1"])
def test_every_dtype_agrees_with_numpy_and_unsigned_does_not_wrap(dtype):
    rng = np.random.default_rng(1)
    for _ in range(50):
        st = rng.integers(0, 4, (3, 4)).astype(dtype)
        ref = rng.integers(0, 4, (3, 4)).astype(dtype) if rng.random() < 0.5 else st.copy()
        for rtol, atol in TOLERANCES:
            assert all_close(st, ref, rtol, atol) == \
                np.allclose(st, ref, rtol=rtol, atol=atol, equal_nan=True)
    if dtype != "|b1":
        small, large = np.array([3], dtype), np.array([5], dtype)
        assert not all_close(small, large, 0.0, 1.0)  # 3 - 5 is -2, not 254


def test_near_misses_at_the_tolerance_agree_with_numpy():
    rng = np.random.default_rng(2)
    ref = rng.normal(size=(50, 7))
    for scale in (1e-9, 1e-8, 1e-7, 1e-6, 1e-5, 1e-4):
        st = ref + scale * rng.normal(size=ref.shape)
        assert all_close(st, ref, 1e-5, 1e-8) == np.allclose(st, ref, rtol=1e-5, atol=1e-8)
