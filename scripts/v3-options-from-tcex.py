"""Writes crates/tc-sandbox/data/v3-options.json: the properties `OPTIONS /v3/{collection}?show=readonly`
answers on the sandbox, read from tcex's generated models (tcex 5.0.0, target/tcex-venv).

tcex generates those models from ThreatConnect's own `OPTIONS /v3/{collection}?show=readOnly`
(tcex/api/tc/v3/_gen/_options_data.py), so the models carry what ThreatConnect answered: each
property's name (the field's title), description, whether it is read-only (a frozen field), the
methods that take it (POST, PUT: `updatable` is PUT), and the item types it applies to. What a
model cannot say is ThreatConnect's name for a type; the Python type is written back in
ThreatConnect's names (tcex/api/tc/v3/_gen/model/_property_model.py maps them the other way).
`id` and `webLink` are left out: ThreatConnect's answer lacks them (tcex's generator adds both,
_options_data.py `_content_add_id`, `_content_add_web_link`).

    target/tcex-venv/bin/python scripts/v3-options-from-tcex.py
"""

import json
import sys
import typing
from datetime import datetime
from pathlib import Path

from tcex.api.tc.v3.groups.group_model import GroupModel
from tcex.api.tc.v3.indicators.indicator_model import IndicatorModel

# dict-typed properties: ThreatConnect's type name, from the list tcex's generator reads as dict
# (_property_model.py `__process_dict_types`).
DICT_TYPES = {
    'commonGroup': 'CommonGroup',
    'customAiContent': 'JsonNode',
    'dnsResolution': 'DNSResolutions',
    'enrichment': 'Enrichments',
    'geoLocation': 'GeoLocation',
    'insights': 'AiInsights',
    'investigationLinks': 'InvestigationLinks',
    'reviews': 'IntelligenceReviews',
    'trackedUsers': 'Map',
    'whois': 'WhoIs',
}
SCALARS = {bool: 'Boolean', int: 'Integer', float: 'Double', str: 'String', datetime: 'Date'}


def tc_type(name: str, annotation) -> dict:
    text = annotation if isinstance(annotation, str) else getattr(annotation, '__forward_arg__', None)
    if text is None and isinstance(annotation, typing.ForwardRef):
        text = annotation.__forward_arg__
    if text is None:
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        base = args[0] if args else annotation
        if base is dict:
            return {'type': DICT_TYPES[name]}
        if typing.get_origin(base) is list:
            return {'type': 'String', 'list': True}
        return {'type': SCALARS[base]}
    model = text.split('|')[0].strip().removesuffix('Model')
    if model == 'User':
        return {'type': 'User'}
    # A nested collection: ThreatConnect answers {"data": [{"type": <singular>, ...}]} and tcex's
    # generator makes the type plural again (_options_data.py `contents_updated`).
    singular = {'TaskAssignees': 'TaskAssignee', 'VictimAssets': 'VictimAsset'}.get(model, model.removesuffix('s'))
    return {'type': singular, 'nested': True}


def properties(model) -> dict:
    out = {}
    for f in model.model_fields.values():
        name = f.title
        if name in ('id', 'webLink'):
            continue
        extra = f.json_schema_extra or {}
        t = tc_type(name, f.annotation)
        p = {'description': f.description, 'type': t['type']}
        if f.frozen:
            p['readOnly'] = True
        p['updatable'] = 'PUT' in extra.get('methods', [])
        p['required'] = False
        for key, camel in (('applies_to', 'appliesTo'), ('conditional_required', 'conditionalRequired'),
                           ('conditional_read_only', 'conditionalReadOnly')):
            if key in extra:
                p[camel] = extra[key]
        out[name] = {'data': [p]} if t.get('nested') else p
    return dict(sorted(out.items()))


data = {'indicators': properties(IndicatorModel), 'groups': properties(GroupModel)}
out = Path(__file__).resolve().parent.parent / 'crates/tc-sandbox/data/v3-options.json'
out.write_text(json.dumps(data, indent=1, sort_keys=True) + '\n')
print(f'{out}: {sum(len(v) for v in data.values())} properties', file=sys.stderr)
