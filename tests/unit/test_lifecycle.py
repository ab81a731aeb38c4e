import pytest

from factor_desk.domain.errors import LifecycleError
from factor_desk.domain.lifecycle import ORDER, BillingStatus, check_move


def test_each_status_moves_forward_only_to_the_next():
    for i, current in enumerate(ORDER):
        for j, target in enumerate(ORDER):
            if j == i + 1:
                check_move("1042", current, target)
            else:
                with pytest.raises(LifecycleError):
                    check_move("1042", current, target)


def test_moving_back_needs_an_undo_and_goes_one_step():
    with pytest.raises(LifecycleError):
        check_move("1042", BillingStatus.INVOICED, BillingStatus.QUEUED)
    check_move("1042", BillingStatus.INVOICED, BillingStatus.QUEUED, undo=True)
    with pytest.raises(LifecycleError):
        check_move("1042", BillingStatus.FINANCED, BillingStatus.QUEUED, undo=True)


def test_an_illegal_move_is_explained_in_the_clerks_words():
    with pytest.raises(LifecycleError) as err:
        check_move("1042", BillingStatus.FINANCED, BillingStatus.INVOICED)
    assert str(err.value) == "Load 1042 is Financed; only Queued loads can be batched."


def test_status_words_are_read_in_any_case():
    assert BillingStatus.parse(" queued ") is BillingStatus.QUEUED
    with pytest.raises(ValueError, match="Released, Queued, Invoiced, Financed, Completed"):
        BillingStatus.parse("Paid")


def test_errors_cross_process_boundaries_whole():
    import pickle

    from factor_desk.domain.errors import InputRefused, NotFound, Problem
    from factor_desk.services.export import ExportCancelled

    refused = InputRefused([Problem("bad amount", file="a.csv", row=3, column="Total")],
                           summary="a.csv: nothing was imported.")
    again = pickle.loads(pickle.dumps(refused))
    assert (type(again), again.summary, again.problems, str(again)) == (
        InputRefused, refused.summary, refused.problems, str(refused))
    for error in (NotFound("No load 'x'."), ExportCancelled("BRF-0001")):
        copy = pickle.loads(pickle.dumps(error))
        assert type(copy) is type(error) and str(copy) == str(error)
