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
