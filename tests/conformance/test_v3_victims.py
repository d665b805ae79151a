"""v3 victims and victim assets through tcex: what tcex's tests/api/tc/v3/victims/,
victim_assets/ and victim_attributes/ assert."""

import pytest
from tcex.api.tc.v3.tql.tql_operator import TqlOperator

AREA = 'v3 victims'


@pytest.mark.fast
def test_victim_create_get_update_delete(v3):
    # test_victim_create, test_victim_get_by_id, test_victim_update, test_victim_delete_by_id
    v = v3.victim(name='MyVictim-01', nationality='Canadian', org='Acme', sub_org='Finance', work_location='Ottawa')
    v.create()
    assert v.model.id is not None
    got = v3.victim(id=v.model.id)
    got.get()
    assert (got.model.name, got.model.org) == ('MyVictim-01', 'Acme')
    got.model.name = 'MyVictim-01b'
    got.update()
    again = v3.victim(id=v.model.id)
    again.get()
    assert again.model.name == 'MyVictim-01b'
    again.delete()
    with pytest.raises(RuntimeError):
        v3.victim(id=v.model.id).get()


@pytest.mark.fast
def test_victim_assets(v3):
    v = v3.victim(name='MyVictim-assets')
    v.stage_victim_asset({'type': 'EmailAddress', 'address': 'victim@example.com', 'address_type': 'Work'})
    v.create()
    assets = [a.model.address for a in v.victim_assets]
    assert assets == ['victim@example.com']


def test_victim_get_by_name(v3):
    # test_victim_get_by_name / test_victim_delete_by_name
    v = v3.victim(name='MyVictim-06')
    v.create()
    victims = v3.victims()
    victims.filter.name(TqlOperator.EQ, 'MyVictim-06')
    assert [x.model.id for x in victims] == [v.model.id]
    for x in victims:
        x.delete()
    victims = v3.victims()
    victims.filter.name(TqlOperator.EQ, 'MyVictim-06')
    assert list(victims) == []


def test_victim_stage_attribute_tag_label(v3):
    v = v3.victim(name='MyVictim-meta')
    v.stage_attribute({'type': 'Description', 'value': 'victim attribute'})
    v.stage_tag({'name': 'victim-tag'})
    v.stage_security_label({'name': 'TLP:GREEN'})
    v.create()
    assert [a.model.value for a in v.attributes] == ['victim attribute']
    assert [t.model.name for t in v.tags] == ['victim-tag']
    assert [s.model.name for s in v.security_labels] == ['TLP:GREEN']
