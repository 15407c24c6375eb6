var x = {;
