"""GET /api/v1/overview/: the overview matrix as JSON — one cell per region × indicator holding targets, with the
worst status of those targets (plans.vocabulary.worst_status), their ids and the count per status. The same rights
as every API endpoint (signed in), approved values unless ?include=submitted, and the same cells as the page."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from cities import versioning
from dashboard import overview as ov
from plans import vocabulary as v
from plans.api import RegionQuerySerializer
from plans.selectors import period_years


class OverviewQuerySerializer(RegionQuerySerializer):
    year = serializers.CharField(
        required=False, help_text=_("As-of year, one of the plans' years (default: the latest year with data).")
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        region, period = attrs["region"], attrs["period"]
        attrs["years"] = period_years(period) if period is not None else ov.plan_years(region)
        raw = attrs.get("year")
        if raw is not None:
            try:
                attrs["year"] = ov.checked_year(raw, attrs["years"])
            except ov.BadYear as error:
                raise serializers.ValidationError({"year": str(error)}) from error
        return attrs


class OverviewCellSerializer(serializers.Serializer[dict[str, Any]]):
    region = serializers.CharField(help_text=_("The region's adcode."))
    indicator = serializers.CharField(help_text=_("The indicator's code."))
    status = serializers.ChoiceField(
        choices=v.STATUSES,
        help_text=_("The worst status of the region's targets on the indicator (severity: plans.vocabulary)."),
    )
    targets = serializers.ListField(child=serializers.IntegerField(), help_text=_("The ids of those targets."))
    counts = serializers.DictField(child=serializers.IntegerField(), help_text=_("Targets per status, worst first."))


class OverviewSerializer(serializers.Serializer[dict[str, Any]]):
    year = serializers.IntegerField(help_text=_("The as-of year the targets are judged at."))
    cells = OverviewCellSerializer(many=True)


def overview_json(view: ov.Overview) -> dict[str, Any]:
    cells = [
        {
            "region": row.region.adcode,
            "indicator": indicator.code,
            "status": cell.status,
            "targets": cell.target_ids,
            "counts": cell.counts,
        }
        for row, indicator, cell in view.cells()
    ]
    return {"year": view.year, "cells": cells}


class OverviewView(generics.GenericAPIView[Any]):
    """The overview of a region's plans and those below it: every region × indicator holding targets, with the
    worst status of its targets at the as-of year.

    GET /api/v1/overview/?region=ADCODE[&period=CODE][&year=YYYY][&include=submitted]
    """

    serializer_class = OverviewSerializer
    filter_backends: list[Any] = []
    pagination_class = None

    @extend_schema(parameters=[OverviewQuerySerializer], responses=OverviewSerializer)
    def get(self, request: Request) -> Response:
        query = OverviewQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        include = params.get("include") == "submitted"

        def compute() -> dict[str, Any]:
            view = ov.overview(
                params["region"],
                year=params.get("year"),
                years=params["years"],
                include_submitted=include,
                period=params["period"],
            )
            return overview_json(view)

        # The same for every user (all data is readable by every logged-in user).
        key = (
            "overview-api",
            params["region"].pk,
            getattr(params["period"], "code", ""),
            params.get("year") or "",
            include,
        )
        data, _computed = versioning.cached(request, key, compute)
        return Response(data)
