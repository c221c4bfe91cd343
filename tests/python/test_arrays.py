# What the module takes and gives back: layouts, dtypes, and errors as
# Python exceptions with the library's message, never a crash.
import numpy as np
import pytest

import ismooth


def test_bad_images_raise_value_error(crop):
    cases = [
        (crop[..., :2], "H x W x 3"),
        (np.zeros((4, 4, 4), np.uint8), "alpha"),
        (np.zeros(5), "got shape"),
        (crop.astype(np.int32), "dtype int32"),
        (np.zeros((0, 5, 3)), "empty"),
        (np.where(np.arange(crop.size).reshape(crop.shape) == 7, np.nan, 1.0), "not finite"),
        (np.full(crop.shape, np.inf, np.float32), "not finite"),
    ]
    for image, message in cases:
        with pytest.raises(ValueError, match=message):
            ismooth.energy(image, image)
        with pytest.raises(ValueError, match=message):
            ismooth.edges(image)
    with pytest.raises(ValueError, match="got dtype <U"):
        ismooth.edges("not an image")
    with pytest.raises(ValueError, match="size mismatch"):
        ismooth.energy(crop, crop[:-1])


def test_bad_parameters(crop):
    with pytest.raises(ValueError, match="sigma_r"):
        ismooth.energy(crop, crop, sigma_r=-1.0)
    with pytest.raises(ValueError, match="radius"):
        ismooth.energy(crop, crop, radius=2.5)
    with pytest.raises(ValueError, match="expected a number, bool or str"):
        ismooth.energy(crop, crop, alpha=[1])
    with pytest.raises(ValueError, match="unknown preset"):
        ismooth.energy(crop, crop, preset="sharpen")
    with pytest.raises(ValueError, match="needs a foreground mask"):
        ismooth.energy(crop, crop, preset="foreground")
    with pytest.raises(ValueError, match="mask is only used"):
        ismooth.energy(crop, crop, mask=np.ones(crop.shape[:2]))
    with pytest.raises(ValueError, match="edges"):
        ismooth.energy(crop, crop, edges=np.ones((3, 3)))
    with pytest.raises(ValueError, match="not finite"):
        ismooth.energy(crop, crop + 1, sigma_r=1e-300)
    # numpy scalars are numbers too
    assert ismooth.energy(crop, crop, radius=np.int64(3)) == ismooth.energy(crop, crop, radius=3)


def test_results_are_new_arrays(crop):
    image = crop.copy()
    b = ismooth.edges(image)
    T, _ = ismooth.solve(image, "adam", iterations=2)
    assert b.flags.owndata and T.flags.owndata and T.flags.c_contiguous
    np.testing.assert_array_equal(image, crop)  # the input is not touched


def test_keywords_of_the_wrong_type(crop):
    with pytest.raises(ValueError, match=r"iterations=2.5: a value of the wrong type \(float\)"):
        ismooth.solve(crop, "adam", iterations=2.5)
    with pytest.raises(ValueError, match="learning_rate='fast'"):
        ismooth.solve(crop, "adam", learning_rate="fast")
    with pytest.raises(ValueError, match="dilations"):
        ismooth.train([crop], None, dilations="2,1")
