from django.contrib import admin
from import_export.admin import ImportExportModelAdmin

from cities.models import Membership, Region
from cities.resources import RegionResource


@admin.register(Region)
class RegionAdmin(ImportExportModelAdmin):
    resource_classes = [RegionResource]
    list_display = ["adcode", "name_zh", "name_en", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["adcode", "name_zh", "name_en"]
    autocomplete_fields = ["parent"]
    ordering = ["adcode"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin[Membership]):
    list_display = ["user", "region"]
    list_filter = ["region__level"]
    search_fields = ["user__username", "region__name_zh", "region__adcode"]
    autocomplete_fields = ["user", "region"]
