"""v3 indicators through tcex's Indicator and Indicators objects: what tcex's
tests/api/tc/v3/indicators/ (test_indicator_interface.py, test_indicator_snippets.py) assert."""

import itertools

import pytest
from tcex.api.tc.v3.indicators.indicator_model import IndicatorModel
from tcex.api.tc.v3.tql.tql_operator import TqlOperator

AREA = 'v3 indicators'
_n = itertools.count(1)


def address():
    """A fresh address per call (tcex's helper draws random ones; here no two tests collide)."""
    n = next(_n)
    return f'198.18.{n // 250}.{n % 250 + 1}'


def create(v3, **extra):
    data = {'type': 'Address', 'ip': address(), 'rating': 3, 'confidence': 75, 'active': True, **extra}
    ind = v3.indicator(**data)
    ind.create()
    return ind, data


@pytest.mark.fast
def test_create_with_nested_types_and_retrieve_all_fields(v3):
    # test_indicator_create_and_retrieve_nested_types: staged attribute, label and tag on create,
    # then get(fields=_all_) (expanded through OPTIONS /v3/indicators/fields) returns them.
    ind = v3.indicator(type='Address', ip=address(), rating=3, confidence=75, description='TcEx Testing', active=True)
    ind.stage_attribute({'type': 'Description', 'value': 'TcEx Testing', 'default': True})
    ind.stage_security_label({'name': 'TLP:WHITE'})
    ind.stage_tag({'name': 'TcEx Testing'})
    ind.create()
    again = v3.indicator(id=ind.model.id)
    again.get(params={'fields': ['_all_']})
    m = again.model
    assert m.summary == m.ip == ind.model.ip
    assert m.attributes.data[0].value == 'TcEx Testing'
    assert m.security_labels.data[0].name == 'TLP:WHITE'
    assert m.tags.data[0].name == 'TcEx Testing'
    assert m.rating == 3 and m.confidence == 75 and m.active is True
    assert m.date_added is not None and m.last_modified is not None and m.web_link is not None
    assert m.owner_name == 'Demo Org' and m.type == 'Address'


@pytest.mark.fast
def test_update_and_delete(v3):
    ind, _ = create(v3)
    ind.model.rating = 5
    ind.model.confidence = 10
    ind.update()
    got = v3.indicator(id=ind.model.id)
    got.get()
    assert (got.model.rating, got.model.confidence) == (5, 10)
    ind.delete()
    gone = v3.indicator(id=ind.model.id)
    with pytest.raises(RuntimeError):
        gone.get()


@pytest.mark.fast
def test_get_many_by_tql(v3):
    # test_indicator_get_many / test_indicator_in_operator: tql filters find exactly what was made.
    made = [create(v3, tags={'data': [{'name': 'conformance-many'}]})[0] for _ in range(3)]
    col = v3.indicators()
    col.filter.tag(TqlOperator.EQ, 'conformance-many')
    assert sorted(i.model.id for i in col) == sorted(i.model.id for i in made)
    col = v3.indicators()
    col.filter.summary(TqlOperator.IN, [i.model.ip for i in made[:2]])
    assert sorted(i.model.ip for i in col) == sorted(i.model.ip for i in made[:2])
    col = v3.indicators()
    col.filter.id(TqlOperator.IN, [made[2].model.id])
    assert [i.model.id for i in col] == [made[2].model.id]


def test_associations_append_and_replace(v3):
    # test_indicator_address: an indicator created with an associated group (nested by id).
    grp = v3.group(type='Adversary', name='conformance adversary')
    grp.create()
    ind, _ = create(v3, associated_groups={'data': [{'id': grp.model.id}]})
    found = [g.model.name for g in ind.associated_groups]
    assert found == ['conformance adversary']
    other = v3.group(type='Campaign', name='conformance campaign')
    other.create()
    ind.stage_associated_group({'id': other.model.id})
    ind.update()
    assert sorted(g.model.id for g in ind.associated_groups) == sorted([grp.model.id, other.model.id])
    ind = v3.indicator(id=ind.model.id)
    ind.stage_associated_group({'id': other.model.id})
    ind.update(mode='replace')
    assert [g.model.id for g in ind.associated_groups] == [other.model.id]


def test_create_existing_indicator_updates_it(v3):
    ind, data = create(v3)
    again = v3.indicator(type='Address', ip=data['ip'], rating=1)
    again.create()
    assert again.model.id == ind.model.id
    got = v3.indicator(id=ind.model.id)
    got.get()
    assert got.model.rating == 1


def test_attributes_tags_labels_on_an_indicator(v3):
    ind, _ = create(v3)
    ind.stage_attribute({'type': 'Source', 'value': 'conformance'})
    ind.stage_tag({'name': 'conformance tag'})
    ind.stage_security_label({'name': 'TLP:AMBER'})
    ind.update()
    assert [a.model.value for a in ind.attributes] == ['conformance']
    assert [t.model.name for t in ind.tags] == ['conformance tag']
    assert [s.model.name for s in ind.security_labels] == ['TLP:AMBER']


@pytest.mark.fast
def test_indicator_attributes_collection(v3):
    # tests/api/tc/v3/indicator_attributes/test_indicator_attribute_snippets.py: create one with
    # indicator_id, list by indicator, get, update, delete.
    ind, _ = create(v3, attributes={'data': [{'type': 'Description', 'value': 'listed'}]})
    attr = v3.indicator_attribute(indicator_id=ind.model.id, type='Source', value='added', source='conformance')
    attr.create()
    assert attr.model.id is not None
    col = v3.indicator_attributes()
    col.filter.indicator_id(TqlOperator.EQ, ind.model.id)
    assert sorted(a.model.value for a in col) == ['added', 'listed']
    got = v3.indicator_attribute(id=attr.model.id)
    got.get()
    assert (got.model.type, got.model.value) == ('Source', 'added')
    got.model.value = 'changed'
    got.update()
    again = v3.indicator_attribute(id=attr.model.id)
    again.get()
    assert again.model.value == 'changed'
    again.delete()
    col = v3.indicator_attributes()
    col.filter.indicator_id(TqlOperator.EQ, ind.model.id)
    assert [a.model.value for a in col] == ['listed']


def test_deleted_indicators(v3):
    # test_indicator_snippets.py, test_indicator_deleted: Indicators.deleted(deleted_since, type, owner).
    ind, data = create(v3)
    ind.delete()
    found = list(v3.indicators().deleted(deleted_since='1 day ago', type_='Address', owner='Demo Org'))
    assert [(i.model.id, i.model.summary) for i in found if i.model.id == ind.model.id] == [(ind.model.id, data['ip'])]
    assert list(v3.indicators().deleted(deleted_since='1 day ago', type_='Host', owner='Demo Org')) == []


@pytest.mark.fast
def test_indicator_api_options(v3, api_options):
    # test_indicator_api_options, with the renames tcex's obj_api_options makes for indicators.
    renames = {
        'associationName': ['customAssociationNames'],
        'externalDates': ['externalDateAdded', 'externalDateExpires', 'externalLastModified'],
        'genericCustomIndicatorValues': ['value1', 'value2', 'value3'],
        'sightings': ['firstSeen', 'lastSeen'],
        'threatAssess': ['threatAssessConfidence', 'threatAssessRating', 'threatAssessScore',
                         'threatAssessScoreFalsePositive', 'threatAssessScoreObserved'],
        'whoIs': ['whois'],
    }
    api_options(v3.indicator(), IndicatorModel, '/v3/indicators', renames)


@pytest.mark.fast
def test_associated_indicators_through_a_shared_group(v3):
    # test_indicator_address: an indicator made with an associated group, itself made with an
    # associated indicator; Indicator.associated_indicators (hasIndicator(id = N), N itself dropped
    # by tcex) finds the other indicator through the group they share.
    first, _ = create(v3)
    grp = v3.group(type='Incident', name=f'conformance shared {next(_n)}',
                   associated_indicators={'data': [{'id': first.model.id}]})
    grp.create()
    ind, _ = create(v3, associated_groups={'data': [{'id': grp.model.id}]})
    loner, _ = create(v3)
    # What tcex asserts: the indicator made first is among the associated ones.
    found = [i.model.summary for i in ind.associated_indicators]
    assert first.model.summary in found, 'Associated indicator not found.'
    # The group holds only these two, so each is the other's whole list; one with no group has none.
    assert found == [first.model.summary]
    assert [i.model.summary for i in first.associated_indicators] == [ind.model.summary]
    assert list(loner.associated_indicators) == []
