# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

from django.urls import re_path

from horizon_cvm.content.containers import views

CONTAINER = r'^(?P<container_id>[^/]+)/'

urlpatterns = [
    re_path(r'^$', views.IndexView.as_view(), name='index'),
    re_path(r'^launch/$', views.SelectTemplateView.as_view(),
            name='select_template'),
    re_path(r'^launch/(?P<template_key>[^/]+)/$', views.LaunchView.as_view(),
            name='launch'),
    re_path(r'^push/$', views.PushImageView.as_view(), name='push_image'),
    re_path(CONTAINER + r'$', views.DetailView.as_view(), name='detail'),
    re_path(CONTAINER + r'scale/$', views.ScaleView.as_view(), name='scale'),
    re_path(CONTAINER + r'image/$', views.UpdateImageView.as_view(),
            name='update_image'),
]
