"""What a job stores comes back as the same response objects, in the same order."""
from cloudsim.api.render import to_xml
from cloudsim.api.views import Entity, Obj, Success
from cloudsim.jobs import codec


def test_results_round_trip_with_object_names_and_field_order():
    nic = Entity("nic", id="n1", ipaddress="10.0.0.5")
    vm = Entity("virtualmachine", zeta="z", id="v1", name="web", nic=[nic], details={"cpu": "2"},
                affinitygroup=[Obj(id="a1")], ha=False, cpu=2, speed=1.5)
    stored = codec.encode(codec.job_result(vm))
    back = codec.decode(stored)
    assert isinstance(back["virtualmachine"], Entity) and back["virtualmachine"].object_name == "virtualmachine"
    assert list(back["virtualmachine"]) == list(vm)
    assert isinstance(back["virtualmachine"]["nic"][0], Entity)
    assert to_xml("r", {"jobresult": back}, None) == to_xml("r", {"jobresult": codec.job_result(vm)}, None)


def test_success_results_say_details():
    assert codec.job_result(Success(displaytext="done")) == {"success": True, "details": "done"}
    assert codec.job_result(Success()) == {"success": True}


def test_map_parameters_get_their_int_indexes_back():
    from cloudsim.api.registry import COMMANDS
    stored = codec.store_params(COMMANDS["createAccount"], {
        "username": "u", "accountdetails": {0: {"k": "v"}, 1: {"k2": "v2"}}, "apikey": "secret", "signature": "s"})
    assert "apikey" not in stored and "signature" not in stored
    import json
    loaded = codec.load_params(json.loads(json.dumps(stored)))
    assert loaded["accountdetails"] == {0: {"k": "v"}, 1: {"k2": "v2"}}
