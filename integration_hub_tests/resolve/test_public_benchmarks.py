"""The resolver on data no one here wrote: FEBRL person records with typos, swapped names,
mistyped dates of birth and blanks, where the weights must come from the data itself."""
import pytest

from integration_hub.resolve.engine import ResolverConfig, link
from integration_hub.resolve.metrics import pairwise_scores
from integration_hub_tests.resolve.febrl import febrl


@pytest.fixture(scope="module", params=["febrl1", "febrl2"])
def linked(request):
    prepared, truth = febrl(request.param)
    return request.param, link(prepared, ResolverConfig()), truth


def test_f1_on_febrl(linked):
    name, linkage, truth = linked
    scores = pairwise_scores(linkage.master_id, truth)
    assert scores["f1"] >= 0.98, (name, scores)


def test_the_learned_model_is_recorded_and_differs_from_the_priors(linked):
    _, linkage, _ = linked
    model = linkage.stats["model"]
    assert model["estimated"] and model["converged"] and model["blocked_pairs"] > 0 and model["random_pairs"] > 0
    dob = {level["level"]: level for level in model["comparisons"]["date_of_birth"]}
    # FEBRL's duplicates often carry a mistyped date of birth: the data makes "different" ordinary
    # evidence against, not the veto the prior sets
    assert not dob["different"]["vetoes"] and dob["different"]["m"] > 0.01
    assert dob["exact"]["weight"] > 8 and dob["one_digit_off"]["weight"] > 0
    # one true pair in about a thousand (FEBRL1) or more pairs: far likelier than the prior's 1 in 130,000
    assert model["prior_weight"] > -14


def test_hand_set_priors_alone_do_not_carry_over(linked):
    """What the learned model fixes: the priors tuned on our own generator miss many FEBRL duplicates."""
    name, learned, truth = linked
    prepared, _ = febrl(name)
    hand = link(prepared, ResolverConfig(learn_parameters=False, match_threshold=0.99, cannot_link_against=-7.5))
    assert hand.stats["model"]["estimated"] is False
    assert pairwise_scores(hand.master_id, truth)["recall"] < pairwise_scores(learned.master_id, truth)["recall"] - 0.05
