"""Every TQL keyword tcex generates for the in-scope v3 collections, sent to the sandbox: answered
(200 with a data list), or refused as ThreatConnect refuses a TQL it cannot run (400, `status`
Error, `errCode` 0x2001, a message starting "Invalid TQL"). Never a 500, never another shape.

The keywords are not listed here: they are read from tcex itself, each collection's filter class
(tcex/api/tc/v3/*/*_filter.py, `FilterABC.implemented_keywords`), and each is built by calling
tcex's own filter method, so the TQL sent is the TQL tcex sends. Sub-query keywords (hasGroup,
hasIndicator, hasVictim...) are built with their filter's `id`.
"""

import inspect
from collections import defaultdict

import pytest
from tcex.api.tc.v3.attribute_types.attribute_type import AttributeTypes
from tcex.api.tc.v3.filter_abc import FilterABC
from tcex.api.tc.v3.group_attributes.group_attribute import GroupAttributes
from tcex.api.tc.v3.groups.group import Groups
from tcex.api.tc.v3.indicator_attributes.indicator_attribute import IndicatorAttributes
from tcex.api.tc.v3.indicators.indicator import Indicators
from tcex.api.tc.v3.security.owners.owner import Owners
from tcex.api.tc.v3.security.users.user import Users
from tcex.api.tc.v3.security_labels.security_label import SecurityLabels
from tcex.api.tc.v3.tags.tag import Tags
from tcex.api.tc.v3.tql.tql_operator import TqlOperator
from tcex.api.tc.v3.victim_assets.victim_asset import VictimAssets
from tcex.api.tc.v3.victim_attributes.victim_attribute import VictimAttributes
from tcex.api.tc.v3.victims.victim import Victims

AREA = 'v3 TQL keywords (every one tcex generates)'

# The in-scope collections (docs/conformance.md): threat intelligence, owners, users, attribute
# types, tags and security labels.
COLLECTIONS = [
    Indicators, Groups, Victims, VictimAssets, IndicatorAttributes, GroupAttributes, VictimAttributes,
    Tags, SecurityLabels, AttributeTypes, Owners, Users,
]


def keywords(filter_obj) -> list[str]:
    """tcex's own keyword list for a filter, less FilterABC's helpers."""
    own = vars(type(filter_obj))
    return [k for k in filter_obj.implemented_keywords if k in own and not hasattr(FilterABC, k)]


def value_for(method) -> object:
    """A value of the type tcex's filter method takes (from its annotation)."""
    params = list(inspect.signature(method).parameters.values())
    ann = str(params[-1].annotation)
    if 'Arrow' in ann or 'datetime' in ann:
        return '2026-01-01'
    if 'bool' in ann:
        return True
    if 'int' in ann or 'float' in ann:
        return 1
    return 'conformance'


def build(collection_type, session, keyword):
    """The collection with one filter on `keyword`, built by tcex."""
    c = collection_type(session=session)
    f = c.filter
    attr = getattr(type(f), keyword)
    if isinstance(attr, property):
        sub = getattr(f, keyword)
        sub.id(TqlOperator.EQ, 1)
    else:
        method = getattr(f, keyword)
        method(TqlOperator.EQ, value_for(method))
    return c


def test_every_tql_keyword_tcex_generates(session):
    answered, refused, wrong = defaultdict(list), defaultdict(list), []
    total = 0
    for collection_type in COLLECTIONS:
        probe = collection_type(session=session)
        endpoint = probe.filter._api_endpoint
        names = keywords(probe.filter)
        assert names, f'{collection_type.__name__}: tcex lists no keyword'
        for k in names:
            total += 1
            c = build(collection_type, session, k)
            tql = c.filter.tql.as_str
            r = session.get(endpoint, params={'tql': tql, 'resultLimit': 1})
            try:
                body = r.json()
            except ValueError:
                body = {}
            if r.status_code == 200 and isinstance(body.get('data'), list):
                answered[endpoint].append(k)
            elif (r.status_code == 400 and body.get('status') == 'Error' and body.get('errCode') == '0x2001'
                  and str(body.get('message', '')).startswith('Invalid TQL')):
                refused[endpoint].append(k)
            else:
                wrong.append(f'{endpoint} {k} ({tql}): {r.status_code} {r.text[:200]}')
    # Answered means applied: a TQL no item matches selects nothing on every collection (an endpoint
    # that ignored tql would answer everything, and every keyword would look answered).
    for collection_type in COLLECTIONS:
        endpoint = collection_type(session=session).filter._api_endpoint
        r = session.get(endpoint, params={'tql': 'id = 999999999', 'resultLimit': 1})
        assert (r.status_code, r.json().get('data')) == (200, []), f'{endpoint}: {r.status_code} {r.text[:200]}'
    print(f'\n{total} keywords from tcex 5.0.0 filters')
    for endpoint in sorted(set(answered) | set(refused)):
        print(f'{endpoint}: {len(answered[endpoint])} answered, {len(refused[endpoint])} refused as TQL'
              f'{": " + ", ".join(refused[endpoint]) if refused[endpoint] else ""}')
    assert not wrong, '\n'.join(wrong)
    # The keywords every client relies on are answered, not refused.
    for endpoint, k in [('/v3/indicators', 'summary'), ('/v3/indicators', 'type_name'), ('/v3/groups', 'summary'),
                        ('/v3/groups', 'date_added'), ('/v3/tags', 'name'), ('/v3/tags', 'technique_id'),
                        ('/v3/securityLabels', 'name'), ('/v3/victims', 'name'), ('/v3/security/users', 'user_name'),
                        ('/v3/indicatorAttributes', 'indicator_id'), ('/v3/groupAttributes', 'group_id'),
                        ('/v3/victimAttributes', 'victim_id'), ('/v3/tags', 'has_victim')]:
        assert k in answered[endpoint], f'{endpoint} {k} refused: {refused[endpoint]}'
